-- POST a body of BODY_SIZE bytes (seed 004's request-size sweep).
wrk.method = "POST"
wrk.body = string.rep("a", tonumber(os.getenv("BODY_SIZE") or "10"))
wrk.headers["Content-Type"] = "text/plain"
