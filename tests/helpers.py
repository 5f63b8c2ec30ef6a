from django.core.management import call_command


def load_demo_catalogue() -> None:
    """The demo catalogue in the database and a fresh search index for it."""
    from cms.demo import ensure_pages
    from shop.demo.catalogue import load_catalogue

    load_catalogue()
    ensure_pages()
    call_command("rebuild_index", interactive=False, verbosity=0)
