"""Runner, statistics, scorecards and closed-form references."""
