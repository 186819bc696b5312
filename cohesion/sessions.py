"""Sessions in the database, as Django keeps them, read with one plain query: every signed-in
request reads its session, and building that query through the ORM cost more than running it
(profiled under load). Writing, expiry and clearing are Django's own. (Not `cached_db`: a
session deleted while Redis is down would come back from Redis when it returns.)"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import connections, router

from cohesion import clock


class SessionStore(DatabaseStore):
    def _get_session_from_db(self):
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        quote = connection.ops.quote_name
        now = connection.ops.adapt_datetimefield_value(clock.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('session_data')}, {quote('expire_date')} "
                f"FROM {quote(model._meta.db_table)} "
                f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0], expire_date=row[1])
