"""Timers, escalation and notifications (issue 4). Placeholder until the sla
work lands: timers are not yet computed."""


def timers_on_ticket_event(*, ticket, action, actor, at, data) -> None:
    return None


def acknowledge_refusal(*, ticket, user) -> str | None:
    from propdesk.core.permissions import is_manager

    return None if is_manager(user) else "没有发给您的升级通知需要确认。"
