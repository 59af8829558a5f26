"""What every scenario works with: timing models, weighted picks and message writing.

The timing models are where the realism lives:
- customers write mostly in their own office hours, less at weekends;
- agents reply in business time (their own shift, no weekends, holidays or leave) after a
  log-normal delay around their personal median; now and then much later (waiting on someone,
  forgotten); a "Friday-slow" team takes longer on Fridays; some agents answer in the evening;
- customers answer our mail after a few hours, and push night and weekend replies to the next
  working morning most of the time.
"""

from __future__ import annotations

import random
import string
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from replytime.demo import words
from replytime.demo.mail import (
    Message,
    Party,
    Thread,
    message_id,
    message_size,
    references_for,
    reply_subject,
    thread_index,
)
from replytime.demo.sink import Sink
from replytime.demo.worktime import (
    DAY,
    FAR_FUTURE,
    HOUR,
    WEEKEND_CUM,
    WORKDAY_CUM,
    add_business,
    in_shift,
    sample_second,
)
from replytime.demo.world import Agent, Company, TeamInfo, World, log_normal_median

# How much of the inbound team mail each kind of team gets, per member.
_TEAM_DEMAND = {"support": 5.0, "billing": 2.5, "sales": 1.5, "success": 1.2, "general": 1.0}
_AUTO_REPLY = ("auto-submitted", "x-auto-response-suppress")


@dataclass(frozen=True, slots=True)
class Robot:
    """A machine sender (newsletter, notification service, mail server) as a message Party."""

    id_host: str
    prefix: str = "Re: "
    fwd_prefix: str = "Fwd: "
    outlook: bool = False
    legacy: bool = True
    id_style: int = 0


class Ctx:
    """Scenario context: the world, the one random stream, the day being generated, the sink."""

    def __init__(self, world: World, rng: random.Random, sink: Sink, stats: Counter[str] | None):
        self.world = world
        self.cal = world.cal
        self.rng = rng
        self.sink = sink
        self.end = sink.end
        self.stats = stats
        self.day = 0
        self.lo = 0
        self.hi = 0
        teams = [t for t in world.teams if t.address and t.members]
        self.teams = teams
        self._team_cum = list(accumulate(_TEAM_DEMAND[t.role] * len(t.members) for t in teams))

    def set_day(self, day: int, lo: int, hi: int) -> None:
        """Generate threads starting on local day `day`, within [lo, hi)."""
        self.day, self.lo, self.hi = day, lo, hi

    def count(self, key: str) -> None:
        if self.stats is not None:
            self.stats[key] += 1

    # --- when things happen -------------------------------------------------------------

    def customer_start(self, company: Company) -> int:
        """When a customer writes first today, in their own office-hour profile."""
        cal, rng = self.cal, self.rng
        cum = WORKDAY_CUM if cal.weekday[self.day] < 5 else WEEKEND_CUM
        base = cal.day_start[self.day] - company.offset
        t = base
        for _ in range(6):
            t = base + sample_second(rng, cum)
            if self.lo <= t < self.hi:
                return t
        return self.lo + (t - self.lo) % (self.hi - self.lo)

    def any_time(self) -> int:
        """A time anywhere in today's window (machines keep no office hours)."""
        return self.lo + int(self.rng.random() * (self.hi - self.lo))

    def agent_start(self, agent: Agent) -> int | None:
        """A time in the agent's shift today, or None if they are not working today."""
        cal, i = self.cal, self.day
        if not cal.workday[i] or i in agent.off:
            return None
        lo, hi = agent.shift.bounds(cal.weekday[i])
        t = cal.day_start[i] + lo + int(self.rng.random() * (hi - lo))
        return t if self.lo <= t < self.hi else None

    def away(self, agent: Agent, t: int) -> bool:
        """Whether the agent is on leave on the day of t."""
        return self.cal.index(t) in agent.off

    def agent_reply_at(
        self, agent: Agent, team: TeamInfo | None, t: int, scale: float = 1.0
    ) -> int:
        """When `agent` answers a message that reached them at t."""
        cal, rng = self.cal, self.rng
        delay = log_normal_median(rng, agent.median_delay * scale, 0.9)
        if rng.random() < 0.035:
            delay *= rng.uniform(6.0, 20.0)  # waiting on someone else, or simply forgotten
        i = cal.index(t)
        if team is not None and team.friday_slow and 0 <= i < cal.days and cal.weekday[i] == 4:
            delay *= 2.5
        if rng.random() < agent.after_hours and not in_shift(cal, agent.shift, agent.off, t):
            # Checked the phone in the evening or at the weekend.
            quick = t + int(log_normal_median(rng, 2400, 0.8))
            j, secs = cal.split(quick)
            if 0 <= j < cal.days and 7 * HOUR <= secs < 23 * HOUR and j not in agent.off:
                return quick
        return add_business(cal, agent.shift, agent.off, t, max(int(delay), 60))

    def customer_reply_at(self, company: Company, t: int, median: float = 3 * HOUR) -> int:
        """When a customer answers a message we sent at t."""
        return self.office(company, t + 20 + int(log_normal_median(self.rng, median, 1.1)))

    def office(self, company: Company, t: int) -> int:
        """Mostly move a customer's night or weekend time to their next working morning."""
        cal, rng = self.cal, self.rng
        i, secs = cal.split(t)
        if not 0 <= i < cal.days:
            return FAR_FUTURE
        local = secs + company.offset
        day, local = i + local // DAY, local % DAY
        hour = local // HOUR
        if (hour < 7 or hour >= 21) and rng.random() < 0.85:
            day += 1 if hour >= 21 else 0
            local = int((8 + 3 * rng.random()) * HOUR)
        if day >= cal.days:
            return FAR_FUTURE
        weekday = cal.weekday[day]
        if weekday >= 5 and rng.random() < 0.8:
            day += 7 - weekday
            local = int((8 + 3 * rng.random()) * HOUR)
        if day >= cal.days:
            return FAR_FUTURE
        return max(t, cal.day_start[day] + local - company.offset)

    # --- who -----------------------------------------------------------------------------

    def pick_team(self) -> TeamInfo | None:
        if not self.teams:
            return None
        return self.teams[bisect_right(self._team_cum, self.rng.random() * self._team_cum[-1])]

    def pick_company(self, prospect: bool) -> Company:
        world = self.world
        return (world.prospects if prospect else world.customers).pick(self.rng)

    def pick_contact(self, company: Company) -> str:
        """A contact; the first few people of a company write most of its mail."""
        contacts = company.contacts
        return contacts[min(int(self.rng.expovariate(0.9)), len(contacts) - 1)]

    def other_contacts(self, company: Company, contact: str, chance: float) -> tuple[str, ...]:
        """Sometimes a customer copies a colleague of theirs."""
        if self.rng.random() >= chance:
            return ()
        rest = [c for c in company.contacts if c != contact]
        return (self.rng.choice(rest),) if rest else ()

    def pick_available(
        self, agents: Sequence[Agent], t: int, exclude: Agent | None = None
    ) -> Agent | None:
        """Someone from `agents` who is not on leave at t (None if nobody is)."""
        i = self.cal.index(t)
        ready = [a for a in agents if a is not exclude and i not in a.off]
        return self.rng.choice(ready) if ready else None

    def subject(self, templates: Sequence[str], company: Company | None) -> str:
        """A subject from a template with its placeholders filled in."""
        template = templates[int(self.rng.random() * len(templates))]
        fields = _fields(template)
        if not fields:
            return template
        return template.format(**{name: self._fill(name, company) for name in fields})

    def _fill(self, name: str, company: Company | None) -> str:
        rng = self.rng
        today = self.cal.dates[self.day]
        if name == "company":
            return company.name.split(" ")[0] if company else rng.choice(words.COMPANY_FIRST)
        if name == "month":
            return words.MONTHS[today.month - 1]
        if name == "year":
            return str(today.year + (1 if today.month >= 10 else 0))
        if name == "quarter":
            return str((today.month - 1) // 3 + 1)
        if name == "date":
            ahead = self.cal.dates[min(self.day + rng.randrange(20, 90), self.cal.days - 1)]
            return f"{ahead.day} {words.MONTHS[ahead.month - 1]}"
        if name in _NUMBERS:
            low, high = _NUMBERS[name]
            return (
                f"{rng.randrange(low, high):,}"
                if name == "amount"
                else str(rng.randrange(low, high))
            )
        return str(rng.choice(_CHOICES[name]))

    # --- writing mail ----------------------------------------------------------------------

    def send(
        self,
        th: Thread,
        party: Party,
        t: int,
        frm: str,
        to: tuple[str, ...],
        cc: tuple[str, ...] = (),
        *,
        label: str,
        reply: bool = True,
        subject: str | None = None,
        flags: tuple[str, ...] = (),
        sender: str | None = None,
        refs: bool = True,
        keep_last: bool = False,
    ) -> Message:
        """Write one message in `th` (a reply to its latest message unless `reply` is false)."""
        rng = self.rng
        parent = th.last if reply else None
        if parent is not None and refs and not party.legacy:
            in_reply_to, references = references_for(parent)
        else:
            # Old clients, and people who type "RE:" into a new mail: only the subject links.
            in_reply_to = references = ()
        if subject is None:
            subject = reply_subject(party.prefix, parent.subject) if parent else th.subject
        index = thread_index(rng, th, t) if party.outlook and not keep_last else None
        msg = Message(
            message_id(rng, party), in_reply_to, references, index, frm, sender,
            to, cc, subject, t, flags, message_size(rng),
        )  # fmt: skip
        if not keep_last:
            th.last = msg
        self.sink.post(msg, label)
        return msg

    def auto_reply(self, th: Thread, party: Party, frm: str, to: str, t: int, label: str) -> None:
        """An out-of-office answer: automated, so never a reply nor eligible (spec §3.3)."""
        if th.last is None or t > self.end:
            return
        subject = "Automatic reply: " + th.last.subject
        self.send(th, party, t, frm, (to,), label=label, subject=subject, flags=_AUTO_REPLY,
                  keep_last=True)  # fmt: skip

    def bounce(self, th: Thread, agent: Agent, t: int) -> None:
        """A delivery failure report from our own mail server to the sender."""
        if th.last is None or t > self.end:
            return
        robot = Robot(id_host=agent.id_host)
        self.send(
            th, robot, t, f"mailer-daemon@{agent.id_host}", (agent.address,),
            label="bounce", subject="Undeliverable: " + th.last.subject,
            flags=("auto-submitted", "null-return-path", "noreply-sender"), keep_last=True,
        )  # fmt: skip


_NUMBERS = {
    "inv": (1000, 9999), "order": (100000, 999999), "po": (40000, 49999), "n": (12, 480),
    "amount": (200, 20000),
}  # fmt: skip
_CHOICES: dict[str, tuple[object, ...]] = {
    "seats": words.SEATS, "plan": words.PLANS, "report": words.REPORTS,
    "feature": words.FEATURES, "idp": words.IDPS, "dept": words.DEPARTMENTS,
    "weekday": words.WEEKDAYS, "topic": words.TOPICS,
}  # fmt: skip


@lru_cache(maxsize=512)
def _fields(template: str) -> tuple[str, ...]:
    """Placeholder names of a template, parsed once."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)
