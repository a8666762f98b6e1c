"""Personalise: product recommendations (buy-again, ALS, popularity, blended) and
"frequently bought together"; see ``api`` for the facade."""
