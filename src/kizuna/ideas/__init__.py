"""The idea board: customers submit, vote and comment; the team moves ideas through statuses."""
