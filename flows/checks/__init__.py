"""The checker's parts: one module per family of problems (graph, asks, questionnaires, texts)."""
