"""The docs test's summary: how many code blocks of each file ran."""


def pytest_terminal_summary(terminalreporter):
    from tests.docs.test_docs import COUNTS

    if COUNTS:
        terminalreporter.section("docs: code blocks")
        for name, counts in COUNTS.items():
            terminalreporter.write_line(f"{name:<18} " + ", ".join(f"{v} {k}" for k, v in counts.items()))
