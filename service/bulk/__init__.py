"""Bulk changes (issue 13): deadlines, owner and (admin) process migration for many
engagements at once, each engagement in its own transaction with its own history entry."""
