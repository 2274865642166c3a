"""Saleor's WSGI module, plus a database query in the process that imports it.

Under uwsgi without ``lazy-apps`` that process is the master, which then forks the
workers: the connection it opened is what each worker would inherit. The tests use
it to prove that the workers never share it (saleor_o2o.core.db).
"""

from django.db import connection
from saleor.wsgi import application  # noqa: F401 (warms the application up)

with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
