"""A simulated year of business (issue 10): a deterministic day-by-day run with invariants checked every day.

`world` builds the companies, members, credit lines, products, campaigns and
coupons; `year` drives twelve months of business through the shop's own
service functions; `invariants` are the checks run after every simulated day.
"""
