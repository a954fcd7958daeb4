"""Inter-annotator agreement, pure: stance figures (``stances``), the classic coefficients
(``coefficients``), Krippendorff's unitized alpha (``unitizing``) and span arithmetic
(``intervals``). No Flask, no database: plain data in, plain numbers out."""
