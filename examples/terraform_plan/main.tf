# The Terraform configuration that plan.json and terraform.tfstate describe (for reading; the example scans the
# JSON files, so neither Terraform nor AWS credentials are needed to run it).
#
#   terraform plan -out tfplan && terraform show -json tfplan > plan.json   # the change under review
#   terraform show -json > state.json   # or the terraform.tfstate a backend stores: what is deployed now

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_flow_log" "main" {
  vpc_id               = aws_vpc.main.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}

resource "aws_default_security_group" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "bastion" {
  name        = "bastion"
  description = "Administration access"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "SSH from anywhere (the change under review)"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_db_instance" "orders" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.t4g.medium"
  allocated_storage   = 50
  username            = "orders"
  password            = var.db_password
  storage_encrypted   = false
  publicly_accessible = false
}
