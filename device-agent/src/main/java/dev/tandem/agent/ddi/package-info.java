/**
 * The messages of Eclipse hawkBit's Direct Device Integration (DDI) API as plain records, their JSON codec, the
 * one mapping from an update outcome to DDI feedback ({@link dev.tandem.agent.ddi.UpdateStatus}) and the HTTP
 * client that speaks them. Unknown fields and links are ignored, so both the 0.3 and the 1.x dialects read.
 * Depends on Jackson and the JDK only; nothing here knows about slots or installs.
 */
package dev.tandem.agent.ddi;
