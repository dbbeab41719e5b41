//! What the app shows about this device: who it is, where it syncs, the name it was enrolled
//! under.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::replica::{DeviceIdentity, Replica};

/// Who this device is and where it syncs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DeviceInfo {
    /// Whether the device has been enrolled with a server.
    pub enrolled: bool,
    /// Its identity, once enrolled.
    pub identity: Option<DeviceIdentity>,
    /// The server it syncs with, once enrolled.
    pub server_url: Option<String>,
    /// The name it was enrolled under, e.g. "Máy tính bảng 2".
    pub device_name: Option<String>,
}

const DEVICE_NAME_KEY: &str = "device_name";

impl Replica {
    /// Remembers the name this device was enrolled under.
    pub fn set_device_name(&mut self, name: &str) -> Result<()> {
        self.kv_set(DEVICE_NAME_KEY, Some(name))
    }

    /// Who this device is and where it syncs.
    pub fn device_info(&self) -> Result<DeviceInfo> {
        let identity = self.identity()?;
        let server_url = self.sync_config()?.map(|c| c.server_url);
        Ok(DeviceInfo {
            enrolled: identity.is_some() && server_url.is_some(),
            identity,
            server_url,
            device_name: self.kv_get(DEVICE_NAME_KEY)?,
        })
    }
}
