"""A task runner for tests that build controllers by hand (the app builds its own in main.py)."""

from infra.tasks import TaskRunner


def task_runner() -> TaskRunner:
    """A new runner delivering through the Kivy clock; its idle threads end by themselves."""
    return TaskRunner()
