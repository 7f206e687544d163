"""The public progress page of an engagement (opt-in): what a municipality shows its
citizens: stage, guiding vision, measures and their progress; never a person."""
