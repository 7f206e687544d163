"""Evidence records (consultant contract, stock-taking, resolution, reports, proof of
use, …), optionally with a file; guards and milestones read them."""
