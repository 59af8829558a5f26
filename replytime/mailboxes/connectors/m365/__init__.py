"""The Microsoft 365 connector: Microsoft Graph delta sync of Inbox and Sent Items, delegated
(one mailbox owner) or application (tenant admin) access, and change-notification push.

See docs/connectors/m365.md.
"""
