"""Pure text handling on code-point offsets: spans, UTF-16 conversion, layout, mentions."""
