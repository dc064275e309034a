import kratix_sdk as ks

# Reads what the pipeline runs for through Kratix's SDK and says hello; write the documents to schedule
# with sdk.write_output.
sdk = ks.KratixSDK()
if sdk.workflow_type() == "promise":
	print(f'Hello from {sdk.promise_name()}')
else:
	resource = sdk.read_resource_input()
	print(f'Hello from {resource.get_name()} in {resource.get_namespace()}')
