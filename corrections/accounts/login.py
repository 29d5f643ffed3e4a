"""Who is signed in: Flask-Login's view of editor accounts."""
from ..extensions import db, login_manager
from ..models import Editor
from ..text import is_number


@login_manager.user_loader
def load_editor(editor_id: str) -> Editor | None:
    editor = db.session.get(Editor, int(editor_id)) if is_number(editor_id) else None
    return editor if editor is not None and editor.active else None
