"""The consulting-day ledger: days spent by the consultants, by mode (on site, digital,
desk), against the budget of the programme."""
