# The platform team's conftest policy for databases, run by pytest as items with severities:
#   pytest policy --iac-source cdktf.out      (pytest's argument names the policy folder)
package main

import rego.v1

# METADATA
# title: Databases are not reachable from the internet
# custom:
#   id: ORG-DB-001
#   controls: [ORG-NET-4]
deny contains {"msg": "the database is publicly accessible", "resource": sprintf("aws_db_instance.%s", [name])} if {
	some name, db in input.resource.aws_db_instance
	db.publicly_accessible == true
}

warn contains msg if {
	some name, db in input.resource.aws_db_instance
	not db.backup_retention_period
	msg := sprintf("aws_db_instance.%s keeps no automated backups", [name])
}
