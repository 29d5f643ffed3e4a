"""The reader's widget as served (views.py) and its build (build.py: esbuild minifies
corrections/static into the files served).

May import: nothing else of the package.
"""
