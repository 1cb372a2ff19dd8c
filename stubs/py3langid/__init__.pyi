# py3langid (0.4.0) ships no types: the exchange uses only py3langid.langid (below).
