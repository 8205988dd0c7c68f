"""The five steps: what to do next for a case, and tracking each action until it is done."""
