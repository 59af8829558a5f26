"""The IMAP connector: header-only sync of the inbox, the \\Sent folder and chosen folders."""
