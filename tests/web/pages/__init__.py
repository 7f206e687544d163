"""What the browser suites share (issue 12): one running server with engagements in every
stage of every process (site.py), one catalogue of every page a person can reach, error
pages and refused forms included (catalogue.py), and the check for text in the wrong
language (leaks.py). A new page is added to the catalogue once and every suite visits it:
tests/web/test_every_page.py (German and English), test_narrow_screens.py (390 px) and
test_accessibility.py (axe-core)."""
