"""Live sync: connections (credentials, connector instances), runs, scheduling and back-off."""
