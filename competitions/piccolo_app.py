import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="competitions",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(
        modules=[
            "competitions.events.tables",
            "competitions.registration.tables",
            "competitions.checkin.tables",
            "competitions.camps.tables",
            "competitions.talent.tables",
            "competitions.outreach.tables",
            "competitions.coverage.tables",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=["app.piccolo_app"],
    commands=[],
)
