"""Output formats. Reporters turn diagnostics into text; they hold no rule logic."""
