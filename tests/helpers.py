from django.core.management import call_command


def load_demo_catalogue() -> None:
    """The demo catalogue in the database and a fresh search index for it."""
    from cms.demo import ensure_pages
    from shop.demo.catalogue import load_catalogue

    load_catalogue()
    ensure_pages()
    call_command("rebuild_index", interactive=False, verbosity=0)


def own_savepoint():
    """A savepoint the test owns (to roll back what one request did), seen by the code like the test case's own
    transaction: steps that must run outside any transaction of ours (partner calls, taking a number;
    shop/transactions.py) run inside it as they would at the top of a request."""
    from django.db import transaction

    savepoint = transaction.atomic()
    savepoint._from_testcase = True
    return savepoint
