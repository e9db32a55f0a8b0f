-- wrk script: POST a new request as JSON to the API (BENCH_TOKEN, BENCH_BODY_ID from the environment),
-- then report like report.lua.
expected = 201
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
wrk.body = string.format(
  '{"subject": "Benchmark request", "question": "Please provide the commune budget for this year.", "body_id": %d}',
  tonumber(os.getenv("BENCH_BODY_ID") or "1"))
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
