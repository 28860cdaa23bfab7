-- wrk: GET /v1/me/sync as one member (the token comes as a -H header).
dofile(os.getenv("LOAD_LUA") .. "/report.lua")
