"""HTML views of the tenancy app: the account chooser, invitations and the settings pages.

Every view under /a/<account>/ is wrapped by `access.account_view` (outermost); the URL audit
test in tests/test_url_access.py fails for any view that is not.
"""
