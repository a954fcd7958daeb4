"""Model suggestions: recommenders propose stances that annotators accept or reject.

Modules by concept: ``recommenders`` (leads manage them), ``suggestions`` (list, accept,
reject), ``proposals`` (storing what recommenders propose), ``consensus`` (training data),
``memory`` and ``classifier`` (the project's own recommenders), ``training``, ``external``
(Label Studio ML backends) and ``webhooks``, ``file_import``, ``stats``, ``jobs``
(background work) and ``queue`` (huey). Pure parts:
``sentence_model``, ``ls_protocol`` and annotator/text/span_memory.py. See
docs/suggestions.md.
"""
