"""The Sage Intacct REST API, split as the XML gateway is: credentials (our client application, access
tokens), requests and their transport with one retry policy (client.py over the XML side's pooled HTTP
transport and RetryPolicy), answers and their classification (response.py, classification.py), the token
request (token.py), queries and composite requests, export workers' operations (calls.py), and the sign-in
(session.py) whose session reaches the XML gateway through the session-id bridge (bridge.py).

Names are imported from their modules on first use (lazy_exports.py).
"""

from typing import TYPE_CHECKING

from ...lazy_exports import exports_on_first_use

if TYPE_CHECKING:
    from .bridge import SESSION_ID_PATH, Bridge
    from .calls import OperationReply
    from .classification import RestErrorBody, classify
    from .client import TOKEN_PATH, RestClient, RestExchange, RestRequest
    from .composite import CompositeAnswer, SubAnswer, SubRequest, send_composite
    from .credentials import AccessToken, ClientApplication, ClientApplicationNotConfigured, username
    from .endpoint import DEFAULT_REST_URL
    from .query import Query, rows
    from .response import parse_answer
    from .session import RestSession, sign_in, token_outcome
    from .token import mint

__getattr__ = exports_on_first_use(
    __name__,
    {
        "bridge": ("SESSION_ID_PATH", "Bridge"),
        "classification": ("RestErrorBody", "classify"),
        "calls": ("OperationReply",),
        "client": ("TOKEN_PATH", "RestClient", "RestExchange", "RestRequest"),
        "composite": ("CompositeAnswer", "SubAnswer", "SubRequest", "send_composite"),
        "credentials": ("AccessToken", "ClientApplication", "ClientApplicationNotConfigured", "username"),
        "endpoint": ("DEFAULT_REST_URL",),
        "query": ("Query", "rows"),
        "response": ("parse_answer",),
        "session": ("RestSession", "sign_in", "token_outcome"),
        "token": ("mint",),
    },
)

__all__ = [
    "DEFAULT_REST_URL",
    "SESSION_ID_PATH",
    "TOKEN_PATH",
    "AccessToken",
    "Bridge",
    "ClientApplication",
    "ClientApplicationNotConfigured",
    "CompositeAnswer",
    "OperationReply",
    "Query",
    "RestClient",
    "RestErrorBody",
    "RestExchange",
    "RestRequest",
    "RestSession",
    "SubAnswer",
    "SubRequest",
    "classify",
    "mint",
    "parse_answer",
    "rows",
    "send_composite",
    "sign_in",
    "token_outcome",
    "username",
]
