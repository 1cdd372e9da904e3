"""Lodging: establishments, rooms, stays and guests, the front desk, imports, the API's services,
police declarations and monthly reports. `lodging.views` holds the blueprints."""
