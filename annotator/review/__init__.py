"""Review: queue, side by side, adjudication into gold, unanimous stances."""
