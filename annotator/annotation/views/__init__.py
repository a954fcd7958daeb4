"""The annotator's statement page and the stance fragments."""
