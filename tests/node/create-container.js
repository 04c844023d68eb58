// Creates a blob container on an Azurite server (object_store cannot create containers).
// Usage: node create-container.js PORT CONTAINER
const { BlobServiceClient, StorageSharedKeyCredential } = require("@azure/storage-blob");

const [port, container] = process.argv.slice(2);
const account = "devstoreaccount1";
// Azurite's documented, public development key.
const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const service = new BlobServiceClient(
  `http://127.0.0.1:${port}/${account}`,
  new StorageSharedKeyCredential(account, key),
);
service
  .getContainerClient(container)
  .createIfNotExists()
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
