import GantryCLI
