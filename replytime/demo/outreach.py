"""Conversations Acme starts, internal mail, and automated mail.

- outbound: sales prospecting and account check-ins, with polite nudges when nobody answers;
- internal: colleagues writing to each other or to their team address (never eligible);
- automated: newsletters, notifications to team addresses, internal system mail (never eligible).
"""

from __future__ import annotations

from replytime.demo.context import Ctx, Robot
from replytime.demo.mail import Thread
from replytime.demo.scenarios import Case, customer_writes, serve
from replytime.demo.words import (
    INTERNAL_SUBJECTS,
    INTERNAL_SYSTEM_SUBJECTS,
    NEWSLETTERS,
    NOTIFICATIONS,
    OUTBOUND_SUBJECTS,
)
from replytime.demo.worktime import HOUR, add_business
from replytime.demo.world import Agent

_NUDGES = 2


def outbound(ctx: Ctx) -> None:
    """An agent writes first; the customer may answer, possibly only after a nudge or two."""
    rng = ctx.rng
    by_role = ctx.world.by_role
    sales, success = by_role.get("sales", []), by_role.get("success", [])
    selling = bool(sales) and (not success or rng.random() < 0.65)
    pool = sales if selling else (success or ctx.world.agents)
    if not pool:
        return
    agent = rng.choice(pool)
    t = ctx.agent_start(agent)
    if t is None:
        return
    company = ctx.pick_company(prospect=selling)
    contact = ctx.pick_contact(company)
    th = Thread(ctx.subject(OUTBOUND_SUBJECTS["sales" if selling else "success"], company))
    ctx.send(th, agent, t, agent.address, (contact,), label="outbound-new", reply=False)
    if rng.random() < 0.02:
        ctx.bounce(th, agent, t + rng.randrange(5, 90))
        return
    answer = 0.35 if selling else 0.65
    case = Case(company, contact, (), agent.teams[0] if agent.teams else None)
    for nudge in range(_NUDGES + 1):
        if rng.random() < 0.04:
            ctx.auto_reply(th, company, contact, agent.address, t + rng.randrange(5, 120),
                           "customer-auto-reply")  # fmt: skip
        if rng.random() < answer:
            back = ctx.customer_reply_at(company, t, median=5 * HOUR)
            if back <= ctx.end and th.last is not None:
                customer_writes(ctx, th, case, th.last, back, "customer-reply")
                serve(ctx, th, case, agent)
            return
        if nudge == _NUDGES:
            ctx.count("threads:outbound-no-answer")
            return
        # A nudge after a few working days, as a reply to our own last message.
        t = add_business(ctx.cal, agent.shift, agent.off, t, rng.randrange(2, 6) * 8 * HOUR)
        if t > ctx.end:
            return
        ctx.send(th, agent, t, agent.address, (contact,), label="outbound-nudge")
        answer *= 0.6


def internal(ctx: Ctx) -> None:
    """Colleagues writing to each other (or to their own team address); quick replies."""
    rng = ctx.rng
    agents = ctx.world.agents
    if len(agents) < 2:
        return
    author = rng.choice(agents)
    t = ctx.agent_start(author)
    if t is None:
        return
    team = author.teams[0] if author.teams else None
    cc: tuple[str, ...] = ()
    if team is not None and team.address and len(team.members) > 1 and rng.random() < 0.12:
        people = [m for m in team.members if m is not author]
        to: tuple[str, ...] = (team.address,)
    else:
        mates = team.members if team and len(team.members) > 1 and rng.random() < 0.6 else agents
        people = _distinct(ctx, mates, author, rng.choice((1, 1, 1, 2, 3)))
        if not people:
            return
        to = tuple(p.address for p in people[:2])
        cc = tuple(p.address for p in people[2:])
    th = Thread(ctx.subject(INTERNAL_SUBJECTS, None))
    ctx.send(th, author, t, author.address, to, cc, label="internal", reply=False)
    talkers = [author, *people]
    writer = author
    for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
        nxt = rng.choice([p for p in talkers if p is not writer])
        t = ctx.agent_reply_at(nxt, None, t + 30, scale=0.35)
        last = th.last
        if t > ctx.end or last is None:
            return
        reply_cc = tuple(
            a for a in dict.fromkeys((*last.to, *last.cc)) if a not in (nxt.address, last.from_addr)
        )
        ctx.send(th, nxt, t, nxt.address, (last.from_addr,), reply_cc, label="internal-reply")
        writer = nxt


def automated(ctx: Ctx) -> None:
    """Mail from machines: newsletters, notifications to team addresses, internal systems."""
    roll = ctx.rng.random()
    if roll < 0.5:
        _newsletter(ctx)
    elif roll < 0.78 and ctx.teams:
        _notification(ctx)
    else:
        _system(ctx)


def _newsletter(ctx: Ctx) -> None:
    rng = ctx.rng
    sender, flags, templates = NEWSLETTERS[rng.randrange(len(NEWSLETTERS))]
    agent = rng.choice(ctx.world.agents)
    robot = Robot(id_host=f"mta.{sender.split('@', 1)[1]}")
    th = Thread(ctx.subject(templates, None))
    ctx.send(th, robot, ctx.any_time(), sender, (agent.address,), label="newsletter",
             reply=False, flags=flags)  # fmt: skip


def _notification(ctx: Ctx) -> None:
    team = ctx.pick_team()
    if team is None or team.address is None:
        return
    sender, flags, templates = NOTIFICATIONS.get(team.role, NOTIFICATIONS["general"])
    robot = Robot(id_host=sender.split("@", 1)[1])
    company = ctx.pick_company(prospect=team.role == "sales")
    th = Thread(ctx.subject(templates, company))
    ctx.send(th, robot, ctx.any_time(), sender, (team.address,), label="notification",
             reply=False, flags=flags)  # fmt: skip


def _system(ctx: Ctx) -> None:
    rng = ctx.rng
    agent = rng.choice(ctx.world.agents)
    domain = ctx.world.domain
    th = Thread(ctx.subject(INTERNAL_SYSTEM_SUBJECTS, None))
    ctx.send(th, Robot(id_host=f"apps.{domain}"), ctx.any_time(), f"no-reply@{domain}",
             (agent.address,), label="system", reply=False, flags=("noreply-sender",))  # fmt: skip


def _distinct(ctx: Ctx, pool: list[Agent], author: Agent, count: int) -> list[Agent]:
    """Up to `count` different people from `pool`, never the author."""
    rng = ctx.rng
    chosen: list[Agent] = []
    # Random tries rather than filtering the pool: it may be the whole staff of a big account.
    for _ in range(count * 4):
        pick = pool[int(rng.random() * len(pool))]
        if pick is not author and pick not in chosen:
            chosen.append(pick)
            if len(chosen) == count:
                break
    return chosen
