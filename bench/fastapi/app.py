"""The benchmark's FastAPI peer: the security tutorial's pattern, as the FastAPI docs teach it.

OAuth2PasswordBearer reads the bearer token, PyJWT verifies it (HS256, the bench's secret, the
project's issuer and audience), the user comes from a Python dict as in the tutorial (keyed by
the token's `sub`, the user id), and a role-checker dependency authorizes. REST endpoints stand
in for the GraphQL scenarios. Run by bench/fastapi.ts: prints {"port": N} once listening, then
serves with uvicorn in this one process.
"""

import json
import os
import socket
import sys
from typing import Annotated

import jwt
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

SECRET_KEY = os.environ["BENCH_JWT_SECRET"]
ALGORITHM = "HS256"
ISSUER = AUDIENCE = "graphql-auth-api"

# As in the tutorial: the users live in a dict. bench/run.ts passes the seeded ones.
users_db: dict[str, dict] = json.loads(os.environ["BENCH_FASTAPI_USERS"])


class User(BaseModel):
    id: str
    username: str
    roles: list[str]
    disabled: bool = False


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

app = FastAPI()

credentials_exception = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Could not validate credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    try:
        payload = jwt.decode(
            token, SECRET_KEY, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER
        )
    except jwt.InvalidTokenError:
        raise credentials_exception
    user_id = payload.get("sub")
    record = users_db.get(user_id) if isinstance(user_id, str) else None
    if record is None:
        raise credentials_exception
    return User(**record)


async def get_current_active_user(
    current_user: Annotated[User, Depends(get_current_user)],
) -> User:
    if current_user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user


class RoleChecker:
    """The role-checker dependency: any one of the allowed roles lets the caller through."""

    def __init__(self, allowed_roles: list[str]):
        self.allowed_roles = allowed_roles

    def __call__(self, user: Annotated[User, Depends(get_current_active_user)]) -> User:
        if not any(role in self.allowed_roles for role in user.roles):
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Forbidden")
        return user


@app.get("/health")
async def health():
    return {"health": True}


@app.get("/me")
async def read_users_me(current_user: Annotated[User, Depends(get_current_active_user)]) -> User:
    return current_user


@app.get("/user-only")
async def user_only(_: Annotated[User, Depends(RoleChecker(["USER", "ADMIN"]))]):
    return {"userOnly": "Hello, User!"}


@app.get("/admin-only")
async def admin_only(_: Annotated[User, Depends(RoleChecker(["ADMIN"]))]):
    return {"adminOnly": "Hello, Admin!"}


def main() -> None:
    # Listening before the port is announced, so the first request cannot be refused.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    # uvicorn's defaults log every request to stdout; like the project's logs, to /dev/null.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    uvicorn.Server(uvicorn.Config(app, workers=1)).run(sockets=[sock])


if __name__ == "__main__":
    main()
