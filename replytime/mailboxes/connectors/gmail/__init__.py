"""The Gmail / Google Workspace connector: header metadata through the Gmail API with the
`gmail.metadata` scope only, OAuth (one owner) or domain-wide delegation (a Workspace admin),
history-based incremental sync and Pub/Sub push. See docs/connectors/gmail.md.
"""
