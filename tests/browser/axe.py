"""axe-core scans in Chromium; the `axe_script` fixture (tests/browser/conftest.py) installs it."""


def axe_violations(page, axe_script, context="document") -> list[str]:
    """The violations axe-core finds in `context` of the page, one readable line each."""
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate(f"""async () => {{
      const results = await axe.run({context}, {{resultTypes: ['violations']}});
      return results.violations.map(v => v.id + ': ' + v.help + ' — ' +
        v.nodes.map(n => JSON.stringify(n.target) + ' ' + n.failureSummary).join(' | '));
    }}""")
    return results
