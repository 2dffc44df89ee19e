import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="judging",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(
        modules=[
            "judging.rounds.tables",
            "judging.scoring.tables",
            "judging.panels.tables",
            "judging.results.tables",
            "judging.certificates.tables",
            "judging.robotics.tables",
            "judging.matches.tables",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=["competitions.piccolo_app"],
    commands=[],
)
