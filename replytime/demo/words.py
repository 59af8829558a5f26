"""Built-in word lists for the demo data: people, companies, vendors and subject templates.

Every domain used here is a reserved name (`.example`, `.test`), so demo data can never address a
real organisation. Names pair a display form with the ASCII form used in addresses.
"""

from __future__ import annotations

# (display name, ASCII form for addresses): varied origins, a few with diacritics.
FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("Anna", "anna"), ("James", "james"), ("Priya", "priya"), ("Mohammed", "mohammed"),
    ("Sofia", "sofia"), ("Łukasz", "lukasz"), ("Chloe", "chloe"), ("Oliver", "oliver"),
    ("Amara", "amara"), ("Wei", "wei"), ("Mei", "mei"), ("Hannah", "hannah"),
    ("Daniel", "daniel"), ("Fatima", "fatima"), ("Tom", "tom"), ("Isabel", "isabel"),
    ("Kwame", "kwame"), ("Emma", "emma"), ("Rahul", "rahul"), ("Sarah", "sarah"),
    ("Jonas", "jonas"), ("Zoë", "zoe"), ("José", "jose"), ("Aoife", "aoife"),
    ("Liam", "liam"), ("Ngozi", "ngozi"), ("Grace", "grace"), ("Ravi", "ravi"),
    ("Elena", "elena"), ("Marco", "marco"), ("Yuki", "yuki"), ("Hiroshi", "hiroshi"),
    ("Ingrid", "ingrid"), ("Lars", "lars"), ("Freya", "freya"), ("Noah", "noah"),
    ("Leah", "leah"), ("Omar", "omar"), ("Aisha", "aisha"), ("Chen", "chen"),
    ("Maria", "maria"), ("Pedro", "pedro"), ("Lucía", "lucia"), ("Mateo", "mateo"),
    ("Nina", "nina"), ("Felix", "felix"), ("Clara", "clara"), ("Ben", "ben"),
    ("Ella", "ella"), ("Sam", "sam"), ("Jack", "jack"), ("Ruby", "ruby"),
    ("Harriet", "harriet"), ("George", "george"), ("Isla", "isla"), ("Arjun", "arjun"),
    ("Deepa", "deepa"), ("Tariq", "tariq"), ("Yusuf", "yusuf"), ("Olga", "olga"),
    ("Pavel", "pavel"), ("Katarzyna", "katarzyna"), ("Tomasz", "tomasz"), ("Siobhan", "siobhan"),
    ("Ciarán", "ciaran"), ("Rhys", "rhys"), ("Megan", "megan"), ("Gareth", "gareth"),
    ("Niamh", "niamh"), ("Femi", "femi"), ("Adaeze", "adaeze"), ("Kofi", "kofi"),
    ("Thandiwe", "thandiwe"), ("Alejandro", "alejandro"), ("Camille", "camille"),
    ("Louis", "louis"), ("Matteo", "matteo"), ("Giulia", "giulia"), ("Sven", "sven"),
    ("Astrid", "astrid"), ("Mikael", "mikael"), ("Rosa", "rosa"), ("Hugo", "hugo"),
)  # fmt: skip

LAST_NAMES: tuple[tuple[str, str], ...] = (
    ("Smith", "smith"), ("Jones", "jones"), ("Patel", "patel"), ("Khan", "khan"),
    ("Williams", "williams"), ("Brown", "brown"), ("Taylor", "taylor"), ("Wilson", "wilson"),
    ("Evans", "evans"), ("Thomas", "thomas"), ("Roberts", "roberts"), ("Murphy", "murphy"),
    ("O'Brien", "obrien"), ("Kelly", "kelly"), ("Walsh", "walsh"), ("Schmidt", "schmidt"),
    ("Müller", "mueller"), ("Fischer", "fischer"), ("Weber", "weber"), ("Novak", "novak"),
    ("Kowalski", "kowalski"), ("Nowak", "nowak"), ("Rossi", "rossi"), ("Bianchi", "bianchi"),
    ("García", "garcia"), ("Fernández", "fernandez"), ("Martin", "martin"), ("Dubois", "dubois"),
    ("Lefèvre", "lefevre"), ("Jansen", "jansen"), ("de Vries", "devries"),
    ("Andersson", "andersson"), ("Nilsson", "nilsson"), ("Hansen", "hansen"),
    ("Larsen", "larsen"), ("Okafor", "okafor"), ("Mensah", "mensah"), ("Adeyemi", "adeyemi"),
    ("Chen", "chen"), ("Wang", "wang"), ("Li", "li"), ("Zhang", "zhang"), ("Tanaka", "tanaka"),
    ("Sato", "sato"), ("Kim", "kim"), ("Park", "park"), ("Nguyen", "nguyen"), ("Singh", "singh"),
    ("Sharma", "sharma"), ("Gupta", "gupta"), ("Ahmed", "ahmed"), ("Hussain", "hussain"),
    ("Ali", "ali"), ("Costa", "costa"), ("Silva", "silva"), ("Santos", "santos"),
    ("Ivanova", "ivanova"), ("Petrov", "petrov"), ("Horváth", "horvath"), ("Kaya", "kaya"),
    ("Yilmaz", "yilmaz"), ("Cohen", "cohen"), ("Levi", "levi"), ("MacDonald", "macdonald"),
    ("Campbell", "campbell"), ("Stewart", "stewart"), ("Hughes", "hughes"),
    ("Edwards", "edwards"), ("Clarke", "clarke"), ("Wright", "wright"), ("Green", "green"),
    ("Hall", "hall"), ("Wood", "wood"), ("Baker", "baker"), ("Hill", "hill"), ("Moore", "moore"),
    ("Cooper", "cooper"), ("Ward", "ward"), ("Turner", "turner"), ("Byrne", "byrne"),
)  # fmt: skip

COMPANY_FIRST: tuple[str, ...] = (
    "Northwind", "Bluefin", "Harbor", "Copperleaf", "Redwood", "Silverline", "Brightpath",
    "Ironbridge", "Oakfield", "Greenway", "Stonegate", "Lakeside", "Summit", "Pinecrest",
    "Clearwater", "Westbrook", "Kestrel", "Falcon", "Orchid", "Meridian", "Atlas", "Beacon",
    "Cobalt", "Evergreen", "Fairview", "Granite", "Highland", "Juniper", "Lumen", "Maple",
    "Nimbus", "Quartz", "Riverside", "Sapphire", "Tidewell", "Vantage", "Willow", "Zephyr",
    "Alder", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Glacier", "Horizon", "Indigo",
    "Jasper", "Keystone", "Linden", "Mosaic", "Nova", "Onyx", "Polaris", "Quill", "Rowan",
    "Solstice", "Thistle", "Umber", "Vale",
)  # fmt: skip

COMPANY_SECOND: tuple[str, ...] = (
    "Logistics", "Labs", "Foods", "Health", "Analytics", "Consulting", "Engineering", "Retail",
    "Media", "Energy", "Partners", "Systems", "Outdoor", "Dental", "Legal", "Architects",
    "Travel", "Bakery", "Motors", "Insurance", "Learning", "Studios", "Pharma", "Robotics",
    "Freight", "Hotels", "Clinics", "Security", "Software", "Print",
)  # fmt: skip

# Mail vendors of automated inbound mail: (from address, list-style flags, subject templates).
NEWSLETTERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("news@cloudtools.example", ("list-id", "list-unsubscribe"),
     ("CloudTools Weekly: {topic}", "Product update - {month}")),
    ("digest@saasweekly.test", ("list-id", "list-unsubscribe", "precedence"),
     ("SaaS Weekly #{n}: {topic}", "This week in SaaS: {topic}")),
    ("events@bizconf.example", ("list-unsubscribe",),
     ("Webinar invitation: {topic}", "Last chance to register: {topic}")),
    ("hello@officesupply.test", ("list-id", "list-unsubscribe"),
     ("{month} offers on office supplies", "Your order has shipped")),
    ("updates@hrportal.example", ("list-unsubscribe", "precedence"),
     ("Your {month} payslip is available", "Policy update: {topic}")),
)  # fmt: skip

# Notifications to a team address, by team role: (from address, flags, subject templates).
NOTIFICATIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "billing": ("noreply@payhub.example", ("noreply-sender",),
                ("Payment received for INV-{inv}", "Payout of £{amount} is on its way",
                 "Card payment failed for order {order}")),
    "support": ("alerts@statusboard.test", ("auto-submitted",),
                ("[Incident] Elevated API error rates", "[Resolved] Portal login latency",
                 "[Maintenance] Scheduled database upgrade on {weekday}")),
    "sales": ("no-reply@forms.acme-web.example", ("noreply-sender",),
              ("New website enquiry from {company}", "Demo request: {company}")),
    "success": ("reports@usagemetrics.example", ("auto-submitted", "precedence"),
                ("Weekly usage report: {company}", "Health score dropped: {company}")),
    "general": ("noreply@calendarhub.test", ("noreply-sender",),
                ("Reminder: team meeting on {weekday}", "Room booking confirmed")),
}  # fmt: skip

INTERNAL_SYSTEM_SUBJECTS: tuple[str, ...] = (
    "Your weekly activity summary", "Password expires in 7 days", "Expense report approved",
    "Timesheet reminder for {month}", "New login to your account", "Shared document: {topic}",
)  # fmt: skip

TOPICS: tuple[str, ...] = (
    "pricing strategy", "customer onboarding", "AI in support", "remote teams", "data privacy",
    "quarterly planning", "retention playbooks", "security basics", "hiring in 2026",
)  # fmt: skip

# Subject templates by team role, for mail a customer starts.
CUSTOMER_SUBJECTS: dict[str, tuple[str, ...]] = {
    "support": (
        "Cannot log in to the portal", "Password reset link not working",
        "Error 500 when exporting the {report} report", "Sync stopped since {weekday}",
        "Feature request: {feature}", "How do I add a new user?", "API rate limit question",
        "Two-factor authentication problem", "Data import failed ({n} rows)",
        "Mobile app crashes on startup", "Dashboard very slow this morning",
        "Webhook not firing", "SSO setup with {idp}", "Urgent: users locked out",
        "Missing data in {report} report", "Question about user permissions",
        "Email notifications not arriving", "Bug: dates shown in the wrong time zone",
    ),
    "billing": (
        "Invoice INV-{inv} question", "Wrong VAT number on invoice INV-{inv}",
        "Payment failed for order {order}", "Refund request for order {order}",
        "Update billing address", "Credit note request", "Purchase order PO-{po}",
        "Card expiring - update payment details", "Duplicate charge on {month} statement",
        "Remittance advice INV-{inv}",
    ),
    "sales": (
        "Quote for {seats} seats", "Pricing for the {plan} plan", "Demo request",
        "Volume discount for {seats} licences", "Trial extension", "Questions before we buy",
        "Upgrade to {plan}", "Security questionnaire for procurement", "Partnership enquiry",
    ),
    "success": (
        "Onboarding next steps", "Quarterly business review", "Renewal {year}",
        "Training session for our team", "Adding {seats} more users", "Contract amendment",
        "Usage report for {month}", "New project lead at {company}", "Roll-out to our {dept} team",
    ),
    "general": (
        "Question about your service", "Meeting request", "Follow-up from our call",
        "Introduction", "Feedback on {feature}",
    ),
}  # fmt: skip

OUTBOUND_SUBJECTS: dict[str, tuple[str, ...]] = {
    "sales": (
        "Quick question about your {dept} team", "Following up on our call",
        "Proposal for {company}", "Your trial of Acme {plan}", "Meeting next week?",
        "{company} x Acme", "Pricing for {seats} seats as discussed",
    ),
    "success": (
        "Checking in", "Your renewal on {date}", "New features in {month}",
        "Scheduling our quarterly review", "Training materials for {company}",
    ),
}  # fmt: skip

INTERNAL_SUBJECTS: tuple[str, ...] = (
    "Lunch on {weekday}?", "Handover: {company} ticket", "1:1 agenda", "Pipeline review",
    "Holiday cover in {month}", "Can you check {company}'s account?", "Team offsite",
    "Rota for next week", "Draft reply to {company}", "Expense report", "New starter onboarding",
    "Escalation: {company}", "Notes from the {company} call", "Q{quarter} targets",
)  # fmt: skip

PLANS: tuple[str, ...] = ("Starter", "Team", "Business", "Enterprise")
REPORTS: tuple[str, ...] = ("monthly", "usage", "audit log", "SLA", "revenue", "activity")
FEATURES: tuple[str, ...] = (
    "dark mode",
    "CSV export",
    "bulk edit",
    "custom fields",
    "Slack-style alerts",
    "audit trail",
)
IDPS: tuple[str, ...] = ("SAML", "OpenID Connect", "LDAP")
DEPARTMENTS: tuple[str, ...] = ("finance", "support", "operations", "sales", "IT", "HR")
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
SEATS: tuple[int, ...] = (5, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 150, 250)
