"""URLs of the account chooser, invitations and the settings pages (/a/<account>/settings/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from replytime.tenancy.views import (
    audit_log,
    general,
    home,
    imports,
    invitations,
    mailboxes,
    people,
    schedules,
    teams,
)

settings_patterns: list[URLPattern | URLResolver] = [
    path("", general.general, name="rt-settings"),
    path("schedule/", schedules.account_schedule, name="rt-settings-schedule"),
    path("teams/", teams.team_list, name="rt-settings-teams"),
    path("teams/new/", teams.team_new, name="rt-settings-team-new"),
    path("teams/<uuid:team>/", teams.team_edit, name="rt-settings-team"),
    path("teams/<uuid:team>/schedule/", schedules.team_schedule, name="rt-settings-team-schedule"),
    path("teams/<uuid:team>/delete/", teams.team_delete, name="rt-settings-team-delete"),
    path("mailboxes/", mailboxes.mailbox_list, name="rt-settings-mailboxes"),
    path("mailboxes/new/", mailboxes.mailbox_new, name="rt-settings-mailbox-new"),
    path("mailboxes/<uuid:mailbox>/", mailboxes.mailbox_edit, name="rt-settings-mailbox"),
    path(
        "mailboxes/<uuid:mailbox>/schedule/",
        schedules.mailbox_schedule,
        name="rt-settings-mailbox-schedule",
    ),
    path(
        "mailboxes/<uuid:mailbox>/remove/",
        mailboxes.mailbox_remove,
        name="rt-settings-mailbox-remove",
    ),
    path("people/", people.people, name="rt-settings-people"),
    path("people/<uuid:member>/", people.member_edit, name="rt-settings-member"),
    path("people/<uuid:member>/remove/", people.member_remove, name="rt-settings-member-remove"),
    path(
        "invitations/<uuid:invitation>/resend/",
        people.invitation_resend,
        name="rt-settings-invitation-resend",
    ),
    path(
        "invitations/<uuid:invitation>/revoke/",
        people.invitation_revoke,
        name="rt-settings-invitation-revoke",
    ),
    path("import/", imports.import_page, name="rt-settings-import"),
    path("import/<uuid:upload>/", imports.upload_progress, name="rt-settings-upload"),
    path("audit/", audit_log.audit_log, name="rt-settings-audit"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="rt-home"),
    path("new/", home.new_account, name="rt-account-new"),
    path("invitations/<str:token>/", invitations.invitation, name="rt-invitation"),
    path("a/<slug:account>/leave/", home.leave, name="rt-account-leave"),
    path("a/<slug:account>/settings/", include(settings_patterns)),
]
