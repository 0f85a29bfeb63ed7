"""aiogram routers, one package per capability (mirroring bot/<capability>/): parse, call a service,
render. No SQL, no commits, no business rules. bot/wiring.py lists the flows in routing order."""
