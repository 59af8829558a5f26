"""Conversations customers start: to a team address, to a person, or to the wrong person.

Every scenario writes one thread from its first message to its end (or to the end of the
window), in time order within the thread: each message is later than the one it answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from replytime.demo.context import Ctx
from replytime.demo.mail import Message, Thread
from replytime.demo.words import CUSTOMER_SUBJECTS
from replytime.demo.worktime import HOUR
from replytime.demo.world import Agent, Company, TeamInfo

_MAX_ROUNDS = 5


@dataclass(slots=True)
class Case:
    """Who is on a customer thread besides the agent answering it."""

    company: Company
    contact: str
    others: tuple[str, ...]  # the customer's colleagues in Cc
    team: TeamInfo | None
    cc_team: str | None = None  # team address kept in Cc of our replies
    ours: tuple[str, ...] = ()  # our colleagues kept in Cc
    on_behalf: str | None = None  # team address our replies are sent from (Sender: the agent)


def team_request(ctx: Ctx) -> None:
    """A customer writes to a team address; every member gets a copy; one of them answers."""
    team = ctx.pick_team()
    if team is None or team.address is None:
        return
    rng = ctx.rng
    company = ctx.pick_company(prospect=team.role == "sales" and rng.random() < 0.8)
    contact = ctx.pick_contact(company)
    others = ctx.other_contacts(company, contact, 0.15)
    th = Thread(ctx.subject(_templates(team.role), company))
    t0 = ctx.customer_start(company)
    ctx.send(th, company, t0, contact, (team.address,), others, label="customer-to-team",
             reply=False)  # fmt: skip
    if rng.random() < 0.03:
        ctx.count("threads:never-answered")  # fell between the cracks of a shared inbox
        return
    agent = ctx.pick_available(team.members, t0) or rng.choice(team.members)
    on_behalf = team.address if team.role == "billing" and rng.random() < 0.5 else None
    cc_team = team.address if rng.random() < 0.4 else None
    serve(ctx, th, Case(company, contact, others, team, cc_team, (), on_behalf), agent)


def direct_request(ctx: Ctx) -> None:
    """A customer writes to their contact person at Acme (sometimes to an alias, or with Cc)."""
    rng = ctx.rng
    company = ctx.pick_company(prospect=rng.random() < 0.2)
    owner = company.owner
    if owner is None:
        return
    contact = ctx.pick_contact(company)
    others = ctx.other_contacts(company, contact, 0.12)
    to = rng.choice(owner.aliases) if owner.aliases and rng.random() < 0.3 else owner.address
    ours = _colleague(ctx, owner, 0.12)
    th = Thread(ctx.subject(_templates(owner.role), company))
    t0 = ctx.customer_start(company)
    ctx.send(th, company, t0, contact, (to,), (*others, *ours), label="customer-to-person",
             reply=False)  # fmt: skip
    if rng.random() < 0.05:
        ctx.count("threads:never-answered")
        return
    team = owner.teams[0] if owner.teams else None
    case = Case(company, contact, others, team, ours=ours)
    agent = owner
    if ctx.away(owner, t0):
        if owner.autoreply:
            ctx.auto_reply(th, owner, owner.address, contact, t0 + 3 + rng.randrange(40),
                           "auto-reply-out")  # fmt: skip
        cover = ctx.pick_available(team.members, t0, exclude=owner) if team else None
        if cover is not None and rng.random() < 0.6:
            # A colleague covers and keeps the owner in Cc; the owner's own item stays open.
            case.ours = (*ours, owner.address)
            agent = cover
            ctx.count("threads:covered-during-leave")
    serve(ctx, th, case, agent)


def handoff(ctx: Ctx) -> None:
    """A customer writes to the wrong person, who loops in or forwards to the right colleague."""
    rng = ctx.rng
    by_role = ctx.world.by_role
    company = ctx.pick_company(prospect=False)
    first = company.owner
    roles = [r for r in ("billing", "support", "success") if by_role.get(r)]
    if first is None or not roles:
        return
    role = rng.choice(roles)
    contact = ctx.pick_contact(company)
    th = Thread(ctx.subject(_templates(role), company))
    t0 = ctx.customer_start(company)
    original = ctx.send(th, company, t0, contact, (first.address,), label="customer-to-person",
                        reply=False)  # fmt: skip
    colleague = ctx.pick_available(by_role[role], t0, exclude=first)
    t1 = ctx.agent_reply_at(first, None, t0 + 60)
    if colleague is None or t1 > ctx.end:
        return
    if rng.random() < 0.55:
        # "Looping in my colleague": a real reply for `first`, with the colleague in Cc.
        ctx.send(th, first, t1, first.address, (contact,), (colleague.address,), label="reply")
    else:
        # A forward starts a conversation of its own: new subject prefix, no references.
        fwd = Thread(first.fwd_prefix + original.subject)
        ctx.send(fwd, first, t1, first.address, (colleague.address,), label="forward", reply=False)
    team = colleague.teams[0] if colleague.teams else None
    case = Case(company, contact, (), team, ours=(first.address,))
    t2 = ctx.agent_reply_at(colleague, team, t1 + 30)
    if t2 > ctx.end:
        return
    mine = _answer(ctx, th, case, colleague, t2)
    ctx.count("threads:handed-over")
    if rng.random() < 0.5:
        back = ctx.customer_reply_at(company, t2)
        if back <= ctx.end:
            customer_writes(ctx, th, case, mine, back, "customer-reply")
            serve(ctx, th, case, colleague)


def serve(ctx: Ctx, th: Thread, case: Case, agent: Agent) -> None:
    """Answer the customer's pending message, for as many rounds as the customer keeps writing.

    Before the answer the customer may write again (a chaser); after it they may reply, thank
    us, or send an out-of-office. The thread stops where the window ends: still waiting.
    """
    rng = ctx.rng
    assert th.last is not None
    seen = th.last.date + 20 + int(rng.random() * 120)
    more = 0.45
    mine: Message | None = None
    for _ in range(_MAX_ROUNDS):
        reply_t = ctx.agent_reply_at(agent, case.team, seen)
        if reply_t > ctx.end:
            ctx.count("threads:awaiting-reply-at-end")
            return
        _chase(ctx, th, case, seen, reply_t)
        mine = _answer(ctx, th, case, agent, reply_t)
        if rng.random() < 0.02:
            ctx.auto_reply(th, case.company, case.contact, mine.from_addr,
                           reply_t + 5 + rng.randrange(60), "customer-auto-reply")  # fmt: skip
        if rng.random() >= more:
            break
        more *= 0.7
        back = ctx.customer_reply_at(case.company, reply_t)
        if back > ctx.end:
            return
        customer_writes(ctx, th, case, mine, back, "customer-reply")
        seen = back + 20 + int(rng.random() * 120)
    if mine is not None:
        _close(ctx, th, case, agent, mine)


def _chase(ctx: Ctx, th: Thread, case: Case, seen: int, reply_t: int) -> None:
    """The customer writes again before we answer: a chaser, or an addendum right after."""
    rng = ctx.rng
    last = th.last
    assert last is not None
    wait = reply_t - seen
    if wait > 5 * HOUR and rng.random() < 0.28:
        t = ctx.office(case.company, seen + int(wait * rng.uniform(0.3, 0.8)))
        label = "customer-chaser"
    elif wait > 30 * 60 and rng.random() < 0.04:
        t = seen + rng.randrange(120, 1200)
        label = "customer-addendum"
    else:
        return
    if t >= reply_t - 60:
        return
    to = last.to if last.from_addr == case.contact else (last.from_addr,)
    cc = tuple(a for a in last.cc if a != case.contact)
    ctx.send(th, case.company, t, case.contact, to, cc, label=label)


def _answer(ctx: Ctx, th: Thread, case: Case, agent: Agent, t: int) -> Message:
    """Our reply: to the customer who wrote last, reply-all, sometimes adding a colleague."""
    rng = ctx.rng
    last = th.last
    assert last is not None
    if case.team is not None and not case.ours and rng.random() < 0.06:
        case.ours = _colleague(ctx, agent, 1.0)
    to = last.from_addr if last.from_addr.endswith("@" + case.company.domain) else case.contact
    team_cc = (case.cc_team,) if case.cc_team else ()
    skip = {agent.address, to}
    cc = tuple(a for a in dict.fromkeys((*case.others, *team_cc, *case.ours)) if a not in skip)
    frm, sender = (case.on_behalf, agent.address) if case.on_behalf else (agent.address, None)
    # About one reply in fifty is written as a new mail with a typed "RE:": no references.
    refs = rng.random() >= 0.02
    return ctx.send(th, agent, t, frm, (to,), cc, label="reply", sender=sender, refs=refs)


def customer_writes(ctx: Ctx, th: Thread, case: Case, mine: Message, t: int, label: str) -> None:
    """The customer answers our message: reply-all mostly, sometimes only to the sender."""
    if ctx.rng.random() < 0.75:
        cc = tuple(a for a in (*mine.to, *mine.cc) if a not in (case.contact, mine.from_addr))
    else:
        cc = ()
    ctx.send(th, case.company, t, case.contact, (mine.from_addr,), cc, label=label)


def _close(ctx: Ctx, th: Thread, case: Case, agent: Agent, mine: Message) -> None:
    """Some customers say thanks; fewer agents answer the thanks."""
    rng = ctx.rng
    if rng.random() >= 0.22:
        return
    t = ctx.customer_reply_at(case.company, mine.date, median=1.5 * HOUR)
    if t > ctx.end:
        return
    customer_writes(ctx, th, case, mine, t, "customer-thanks")
    if rng.random() < 0.25:
        r = ctx.agent_reply_at(agent, case.team, t + 60, scale=0.5)
        if r <= ctx.end:
            _answer(ctx, th, case, agent, r)


def _colleague(ctx: Ctx, agent: Agent, chance: float) -> tuple[str, ...]:
    """Sometimes a colleague (another team's, preferably) is copied in."""
    rng = ctx.rng
    agents = ctx.world.agents
    if rng.random() >= chance or len(agents) < 2:
        return ()
    # A few random tries instead of filtering the whole staff list: large accounts stay fast.
    pick = agent
    for _ in range(8):
        pick = agents[int(rng.random() * len(agents))]
        if pick is not agent and pick.role != agent.role:
            break
    return (pick.address,) if pick is not agent else ()


def _templates(role: str) -> tuple[str, ...]:
    return CUSTOMER_SUBJECTS.get(role, CUSTOMER_SUBJECTS["general"])
