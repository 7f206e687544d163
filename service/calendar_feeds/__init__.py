"""Calendar feeds: a secret, revocable URL per user with the upcoming workshops, open
stage deadlines and milestones as iCalendar, for Outlook or Thunderbird to subscribe to."""
