"""Crosswalks between the catalogs (kind "crosswalk", see ../FORMAT.md).

Two tables here are judged by us (method "human"): ISO/IEC 27001:2013 Annex A -> 2022 Annex A, built
from our reading of the correspondence in ISO/IEC 27002:2022 Annex B, and SOC 2 TSC -> 2013
Annex A. The rest are derived mechanically from the other catalogs' properties ("automation") or
by chaining crosswalks ("hybrid", the chain recorded in "via"):

  xw-iso27001-2013-2022   2013 Annex A control -> 2022 control(s)                      human
  xw-ismap-iso27001-2013  ISMAP chapter/objective/control -> Annex A by number,         automation
                          B details -> their control's Annex A control (subset-of),
                          management criteria -> the clause they cite in [27001-...]
  xw-ismap-iso27017       ISMAP .P items -> CLD item (props.iso27017)                   automation
  xw-mic-ismap            MIC item -> 2022 A.x -> 2013 A.x.y.z -> ISMAP control         hybrid
  xw-mic-cloud-ismap      MIC cloud item -> CLD -> ISMAP .P item, or a plain
                          27017/27002:2013 number -> ISMAP control                      hybrid
  xw-soc2-iso27001-2013   SOC 2 criterion -> 2013 Annex A control / 27001 clause        human
  xw-soc2-ismap           SOC 2 -> 2013 Annex A / clause -> ISMAP                       hybrid

Every crosswalk is validated before it is returned: each row's source and target must be an item of
the named catalogs, relationships come from OSCAL's list, (source, target) pairs are unique, and
rows are sorted (natural order of ids) so output is deterministic.
"""

import re
from collections import OrderedDict

RELATIONSHIPS = ("equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with",
                 "no-relationship")
METHODS = ("automation", "human", "hybrid")

# Catalog ids this module reads.
ISO13, ISO22, ISO17, SOC2 = "iso27001-2013", "iso27001-2022", "iso27017", "soc2-tsc"
ISMAP, MIC = "ismap", "mic-audit"


class CrosswalkError(SystemExit):
    """Raised (exits the generator) when a crosswalk cannot be built consistently."""


# ---------------------------------------------------------------------------------------------
# ISO/IEC 27001:2013 Annex A -> ISO/IEC 27001:2022 Annex A.
# Row: 2013 control | 2022 target(s), space separated, each optionally "=relationship" | note.
# Default relationship: equivalent-to when the 2022 control has this one 2013 source, subset-of when
# several 2013 controls were merged into it. Notes are our own summary of what changed.

XW_2013_2022 = """
A.5.1.1|A.5.1|policy set, approval and communication carried into the single 2022 policy control
A.5.1.2|A.5.1|the 2013 review control was folded into the 2022 policy control
A.6.1.1|A.5.2|roles and responsibilities for security carried forward
A.6.1.2|A.5.3|segregation of conflicting duties carried forward
A.6.1.3|A.5.5|contact with authorities carried forward
A.6.1.4|A.5.6|contact with special interest groups carried forward
A.6.1.5|A.5.8|security in project management, merged with the requirements control A.14.1.1
A.6.2.1|A.8.1|mobile devices are now covered by the broader user endpoint devices control
A.6.2.2|A.6.7=subset-of|teleworking is widened to remote working of any kind in 2022
A.7.1.1|A.6.1|background verification carried forward
A.7.1.2|A.6.2|security terms in employment contracts carried forward
A.7.2.1|A.5.4|management responsibilities carried forward, now under organisational controls
A.7.2.2|A.6.3|awareness, education and training carried forward
A.7.2.3|A.6.4|disciplinary process carried forward
A.7.3.1|A.6.5|responsibilities after termination or change carried forward
A.8.1.1|A.5.9|asset inventory merged with asset ownership into one inventory control
A.8.1.2|A.5.9|asset ownership is now part of the inventory control
A.8.1.3|A.5.10|acceptable use merged with handling of assets into one control
A.8.1.4|A.5.11|return of assets carried forward
A.8.2.1|A.5.12|classification of information carried forward
A.8.2.2|A.5.13|labelling of information carried forward
A.8.2.3|A.5.10|handling of assets is now part of acceptable use of information and assets
A.8.3.1|A.7.10|removable media management merged into the storage media control
A.8.3.2|A.7.10|media disposal merged into the storage media control
A.8.3.3|A.7.10|physical media transfer merged into the storage media control
A.9.1.1|A.5.15|access control policy merged with network access into access control rules
A.9.1.2|A.5.15|access to networks and network services is now part of access control rules
A.9.2.1|A.5.16=subset-of|user registration widened to the full lifecycle of identities (people and systems)
A.9.2.2|A.5.18|access provisioning merged with review and removal into one access rights control
A.9.2.3|A.8.2|privileged access rights carried forward
A.9.2.4|A.5.17|issuing secret authentication information merged into authentication information
A.9.2.5|A.5.18|periodic review of access rights is now part of the access rights control
A.9.2.6|A.5.18|removal or adjustment of rights is now part of the access rights control
A.9.3.1|A.5.17|users' handling of secret authentication information merged into authentication information
A.9.4.1|A.8.3|information access restriction carried forward
A.9.4.2|A.8.5|secure log-on reframed as secure authentication; same intent
A.9.4.3|A.5.17|password management system merged into authentication information
A.9.4.4|A.8.18|use of privileged utility programs carried forward
A.9.4.5|A.8.4|access to source code carried forward
A.10.1.1|A.8.24|cryptography policy merged with key management into one cryptography control
A.10.1.2|A.8.24|key management is now part of the cryptography control
A.11.1.1|A.7.1|physical security perimeters carried forward
A.11.1.2|A.7.2|physical entry controls merged with delivery and loading areas
A.11.1.3|A.7.3|securing offices, rooms and facilities carried forward
A.11.1.4|A.7.5|protection against external and environmental threats carried forward
A.11.1.5|A.7.6|working in secure areas carried forward
A.11.1.6|A.7.2|delivery and loading areas are now part of physical entry
A.11.2.1|A.7.8|equipment siting and protection carried forward
A.11.2.2|A.7.11|supporting utilities carried forward
A.11.2.3|A.7.12|cabling security carried forward
A.11.2.4|A.7.13|equipment maintenance carried forward
A.11.2.5|A.7.10|removal of assets off-site is now handled in the storage media control
A.11.2.6|A.7.9|security of assets off-premises carried forward
A.11.2.7|A.7.14|secure disposal or re-use of equipment carried forward
A.11.2.8|A.8.1|unattended user equipment is now part of user endpoint devices
A.11.2.9|A.7.7|clear desk and clear screen carried forward
A.12.1.1|A.5.37|documented operating procedures carried forward, now organisational
A.12.1.2|A.8.32|change management merged with the development change controls of A.14.2
A.12.1.3|A.8.6|capacity management carried forward
A.12.1.4|A.8.31|separation of environments merged with secure development environment
A.12.2.1|A.8.7|protection against malware carried forward
A.12.3.1|A.8.13|information backup carried forward
A.12.4.1|A.8.15|event logging merged with log protection and administrator logs into one logging control
A.12.4.2|A.8.15|protection of log information is now part of logging
A.12.4.3|A.8.15|administrator and operator logs are now part of logging
A.12.4.4|A.8.17|clock synchronisation carried forward
A.12.5.1|A.8.19|installation on operational systems merged with restrictions on software installation
A.12.6.1|A.8.8|technical vulnerability management carried forward; 2022 also absorbs part of A.18.2.3
A.12.6.2|A.8.19|restrictions on software installation are now part of installing software on operational systems
A.12.7.1|A.8.34|audit controls carried forward as protection of systems during audit testing
A.13.1.1|A.8.20|network controls carried forward as networks security
A.13.1.2|A.8.21|security of network services carried forward
A.13.1.3|A.8.22|segregation of networks carried forward
A.13.2.1|A.5.14|transfer policies and procedures merged with agreements and messaging into information transfer
A.13.2.2|A.5.14|agreements on information transfer are now part of information transfer
A.13.2.3|A.5.14|electronic messaging is now part of information transfer
A.13.2.4|A.6.6|confidentiality or non-disclosure agreements carried forward, now a people control
A.14.1.1|A.5.8|security requirements analysis merged into information security in project management
A.14.1.2|A.8.26|securing application services merged with transaction protection into application security requirements
A.14.1.3|A.8.26|protecting application transactions is now part of application security requirements
A.14.2.1|A.8.25|secure development policy carried forward as secure development life cycle
A.14.2.2|A.8.32|system change control procedures merged into change management
A.14.2.3|A.8.32|technical review after operating platform changes merged into change management
A.14.2.4|A.8.32|restrictions on changes to software packages merged into change management
A.14.2.5|A.8.27|secure system engineering principles carried forward as secure architecture and engineering
A.14.2.6|A.8.31|secure development environment merged into separation of environments
A.14.2.7|A.8.30|outsourced development carried forward
A.14.2.8|A.8.29|system security testing merged with acceptance testing
A.14.2.9|A.8.29|system acceptance testing is now part of security testing in development and acceptance
A.14.3.1|A.8.33|protection of test data carried forward as test information
A.15.1.1|A.5.19|supplier security policy carried forward as security in supplier relationships
A.15.1.2|A.5.20|security within supplier agreements carried forward
A.15.1.3|A.5.21|ICT supply chain carried forward
A.15.2.1|A.5.22|monitoring and review of supplier services merged with change management of supplier services
A.15.2.2|A.5.22|managing changes to supplier services is now part of supplier service monitoring
A.16.1.1|A.5.24|incident management responsibilities and procedures carried forward as planning and preparation
A.16.1.2|A.6.8|reporting of events merged with reporting of weaknesses into one event reporting control
A.16.1.3|A.6.8|reporting of weaknesses is now part of event reporting
A.16.1.4|A.5.25|assessment of and decision on events carried forward
A.16.1.5|A.5.26|response to incidents carried forward
A.16.1.6|A.5.27|learning from incidents carried forward
A.16.1.7|A.5.28|collection of evidence carried forward
A.17.1.1|A.5.29|continuity planning merged with implementation and verification into security during disruption
A.17.1.2|A.5.29|implementing continuity is now part of security during disruption
A.17.1.3|A.5.29|verifying continuity is now part of security during disruption
A.17.2.1|A.8.14|availability of processing facilities carried forward as redundancy
A.18.1.1|A.5.31|applicable legislation and contracts merged with regulation of cryptography
A.18.1.2|A.5.32|intellectual property rights carried forward
A.18.1.3|A.5.33|protection of records carried forward
A.18.1.4|A.5.34|privacy and protection of PII carried forward
A.18.1.5|A.5.31|regulation of cryptographic controls is now part of legal, statutory, regulatory and contractual requirements
A.18.2.1|A.5.35|independent review carried forward
A.18.2.2|A.5.36|compliance with policies and standards merged with the technical compliance review
A.18.2.3|A.5.36=subset-of A.8.8=intersects-with|technical compliance review is split: the review duty goes to compliance with policies and standards, the technical checking overlaps vulnerability management
"""

CONF_2013_2022 = {"equivalent-to": 0.9, "subset-of": 0.85, "superset-of": 0.85,
                  "intersects-with": 0.7}

# ---------------------------------------------------------------------------------------------
# SOC 2 TSC -> ISO/IEC 27001:2013. (criterion, [(target, confidence, what both address), ...]).
# Targets are Annex A controls, or 27001 clauses where the criterion is about the management
# system rather than a control. All rows are intersects-with: TSC criteria are principle-level
# statements whose points of focus overlap, but do not coincide with, the ISO requirement.

SOC2_ISO = [
    ("CC1.1", [("A.7.1.2", 0.7, "written conduct and security obligations accepted by staff"),
               ("A.7.2.3", 0.7, "consequences for breaches of the expected standards of conduct"),
               ("A.7.1.1", 0.5, "checking the integrity of people before they are hired")]),
    ("CC1.2", [("5.1", 0.6, "top-level direction and oversight of the security programme"),
               ("9.3", 0.6, "periodic review of the programme by those charged with oversight"),
               ("A.18.2.1", 0.6, "independent review of how security is managed"),
               ("A.5.1.1", 0.5, "security policies approved by management")]),
    ("CC1.3", [("5.3", 0.7, "assigning responsibilities and authorities for security"),
               ("A.6.1.1", 0.8, "defined and allocated security roles and responsibilities"),
               ("A.6.1.2", 0.6, "structuring duties so conflicting ones are separated")]),
    ("CC1.4", [("7.2", 0.7, "determining and ensuring the competence of staff"),
               ("A.7.2.2", 0.7, "training that keeps staff competent in security"),
               ("A.7.1.1", 0.6, "verifying candidates' qualifications before hiring")]),
    ("CC1.5", [("A.7.2.1", 0.7, "management requiring staff to carry out their security duties"),
               ("A.7.2.3", 0.6, "holding individuals accountable through a disciplinary process"),
               ("A.6.1.1", 0.6, "clear ownership of security responsibilities")]),
    ("CC2.1", [("9.1", 0.6, "deciding what to monitor and measure, and evaluating the results"),
               ("A.12.4.1", 0.6, "producing event records that inform control operation"),
               ("A.8.1.1", 0.5, "an accurate inventory of the assets in scope")]),
    ("CC2.2", [("7.4", 0.7, "internal communication about security"),
               ("7.3", 0.6, "making staff aware of the policy and their contribution"),
               ("A.5.1.1", 0.6, "communicating security policies to staff"),
               ("A.7.2.2", 0.6, "awareness of security responsibilities"),
               ("A.16.1.2", 0.5, "channels through which staff report security events")]),
    ("CC2.3", [("7.4", 0.6, "external communication about security"),
               ("A.6.1.3", 0.5, "communication with authorities"),
               ("A.15.1.2", 0.6, "security commitments communicated to suppliers in agreements"),
               ("A.6.1.4", 0.4, "exchange with external security groups")]),
    ("CC3.1", [("6.2", 0.7, "setting security objectives that risks can be assessed against"),
               ("A.18.1.1", 0.5, "identifying legal and contractual requirements that shape objectives")]),
    ("CC3.2", [("6.1.2", 0.8, "identifying and analysing risks to objectives"),
               ("8.2", 0.7, "performing risk assessments"),
               ("A.15.1.1", 0.5, "identifying risks that arise from suppliers"),
               ("A.12.6.1", 0.5, "evaluating exposure to technical vulnerabilities")]),
    ("CC3.3", [("6.1.2", 0.5, "risk assessment that can include misuse and fraud scenarios"),
               ("A.6.1.2", 0.6, "segregating duties to reduce opportunities for fraud"),
               ("A.12.4.3", 0.5, "recording privileged activity so misuse can be detected")]),
    ("CC3.4", [("8.2", 0.6, "reassessing risk when significant changes occur"),
               ("A.12.1.2", 0.6, "evaluating changes that affect processing and systems"),
               ("A.14.2.3", 0.5, "reviewing the effect of platform changes on applications"),
               ("A.15.2.2", 0.5, "assessing changes in services provided by suppliers")]),
    ("CC4.1", [("9.1", 0.6, "ongoing monitoring and measurement of controls"),
               ("9.2", 0.7, "separate evaluations through internal audit"),
               ("A.18.2.1", 0.7, "independent review of controls"),
               ("A.18.2.2", 0.6, "managers checking that procedures are followed"),
               ("A.18.2.3", 0.6, "technical checks that systems comply with standards")]),
    ("CC4.2", [("10.1", 0.7, "acting on nonconformities and correcting them"),
               ("9.3", 0.5, "reporting results to management for decision"),
               ("A.18.2.2", 0.6, "taking action when non-compliance is found")]),
    ("CC5.1", [("6.1.3", 0.7, "choosing controls to treat the assessed risks"),
               ("A.6.1.2", 0.5, "segregation of duties as a control activity")]),
    ("CC5.2", [("A.9.1.1", 0.6, "general controls over access to technology"),
               ("A.12.1.1", 0.5, "general controls over technology operations"),
               ("A.14.1.1", 0.5, "general controls over acquiring and developing technology")]),
    ("CC5.3", [("A.5.1.1", 0.7, "policies that state what is expected"),
               ("A.12.1.1", 0.6, "procedures that put the policies into action"),
               ("A.5.1.2", 0.5, "keeping policies current")]),
    ("CC6.1", [("A.9.1.1", 0.7, "access control rules"),
               ("A.9.1.2", 0.6, "limiting access to networks and services"),
               ("A.9.4.1", 0.6, "restricting access to information and functions"),
               ("A.9.4.2", 0.6, "authenticating users before access"),
               ("A.10.1.1", 0.5, "using encryption to protect information"),
               ("A.10.1.2", 0.5, "protecting cryptographic keys"),
               ("A.8.1.1", 0.5, "identifying the assets that access controls protect")]),
    ("CC6.2", [("A.9.2.1", 0.8, "registering users before credentials are issued and removing them"),
               ("A.9.2.2", 0.7, "authorising the access granted to new users"),
               ("A.9.2.6", 0.6, "removing access when it is no longer needed")]),
    ("CC6.3", [("A.9.2.2", 0.7, "granting and changing access according to role"),
               ("A.9.2.3", 0.7, "limiting privileged access"),
               ("A.9.2.5", 0.7, "reviewing access rights"),
               ("A.9.2.6", 0.7, "removing or adjusting access on change"),
               ("A.6.1.2", 0.5, "separating incompatible duties")]),
    ("CC6.4", [("A.11.1.1", 0.7, "physical perimeters around facilities"),
               ("A.11.1.2", 0.8, "controlling physical entry"),
               ("A.11.1.3", 0.6, "securing rooms and facilities"),
               ("A.11.1.6", 0.5, "controlling delivery and loading areas")]),
    ("CC6.5", [("A.11.2.7", 0.8, "removing data before equipment is disposed of or reused"),
               ("A.8.3.2", 0.7, "secure disposal of media")]),
    ("CC6.6", [("A.13.1.1", 0.7, "protecting networks against outside threats"),
               ("A.13.1.3", 0.6, "segmenting networks at boundaries"),
               ("A.13.1.2", 0.5, "securing network services"),
               ("A.9.4.2", 0.5, "secure authentication for remote access"),
               ("A.14.1.2", 0.5, "protecting services exposed on public networks")]),
    ("CC6.7", [("A.13.2.1", 0.7, "protecting information in transfer"),
               ("A.14.1.3", 0.5, "protecting transactions in transit"),
               ("A.10.1.1", 0.6, "encrypting data in transmission"),
               ("A.8.3.1", 0.6, "controlling removable media"),
               ("A.8.3.3", 0.5, "protecting media in transit"),
               ("A.6.2.1", 0.5, "controlling data on mobile devices")]),
    ("CC6.8", [("A.12.2.1", 0.8, "preventing and detecting malware"),
               ("A.12.5.1", 0.6, "controlling software installed on production systems"),
               ("A.12.6.2", 0.6, "restricting software installation by users")]),
    ("CC7.1", [("A.12.6.1", 0.7, "detecting and acting on vulnerabilities"),
               ("A.18.2.3", 0.5, "checking configurations against standards"),
               ("A.12.4.1", 0.5, "recording events that reveal configuration changes")]),
    ("CC7.2", [("A.12.4.1", 0.7, "recording and reviewing events to spot anomalies"),
               ("A.12.4.3", 0.6, "monitoring privileged activity"),
               ("A.12.4.2", 0.5, "protecting the logs that monitoring depends on")]),
    ("CC7.3", [("A.16.1.4", 0.8, "evaluating events to decide whether they are incidents"),
               ("A.16.1.2", 0.5, "events being reported for evaluation")]),
    ("CC7.4", [("A.16.1.1", 0.7, "an incident response programme with defined duties"),
               ("A.16.1.5", 0.8, "responding to incidents"),
               ("A.16.1.7", 0.5, "preserving evidence during response")]),
    ("CC7.5", [("A.16.1.6", 0.7, "learning from incidents to prevent recurrence"),
               ("A.16.1.5", 0.5, "restoring operations as part of incident response"),
               ("A.12.3.1", 0.5, "restoring data from backups")]),
    ("CC8.1", [("A.12.1.2", 0.8, "authorising and controlling changes"),
               ("A.14.2.2", 0.7, "change control procedures for systems"),
               ("A.14.2.4", 0.5, "controlling changes to vendor software"),
               ("A.14.2.8", 0.6, "testing changes for security"),
               ("A.14.2.9", 0.6, "accepting changes before release"),
               ("A.12.1.4", 0.5, "keeping development and test apart from production")]),
    ("CC9.1", [("A.17.1.1", 0.6, "planning for disruption"),
               ("A.17.1.2", 0.6, "maintaining security during disruption"),
               ("A.17.2.1", 0.5, "redundancy that limits disruption")]),
    ("CC9.2", [("A.15.1.1", 0.7, "managing risks from vendors and partners"),
               ("A.15.1.2", 0.7, "security requirements in vendor agreements"),
               ("A.15.1.3", 0.5, "risks in the ICT supply chain"),
               ("A.15.2.1", 0.7, "monitoring vendor performance"),
               ("A.15.2.2", 0.5, "managing changes in vendor services")]),
    ("A1.1", [("A.12.1.3", 0.8, "monitoring and planning capacity")]),
    ("A1.2", [("A.11.1.4", 0.6, "protection against environmental threats"),
              ("A.11.2.2", 0.6, "supporting utilities such as power"),
              ("A.11.2.1", 0.5, "siting equipment to reduce environmental risk"),
              ("A.12.3.1", 0.7, "backing up data"),
              ("A.17.2.1", 0.6, "redundant infrastructure for recovery")]),
    ("A1.3", [("A.17.1.3", 0.7, "testing recovery arrangements"),
              ("A.12.3.1", 0.6, "testing that backups can be restored")]),
    ("C1.1", [("A.8.2.1", 0.7, "identifying confidential information by classification"),
              ("A.8.2.3", 0.6, "handling information according to its classification"),
              ("A.8.2.2", 0.5, "marking confidential information"),
              ("A.13.2.4", 0.5, "confidentiality agreements"),
              ("A.18.1.3", 0.5, "retaining records as required")]),
    ("C1.2", [("A.8.3.2", 0.7, "disposing of media holding confidential information"),
              ("A.11.2.7", 0.7, "erasing data before disposal or reuse of equipment")]),
    ("PI1.1", [("A.14.1.1", 0.5, "specifying requirements that processing must meet")]),
    ("PI1.3", [("A.14.1.3", 0.5, "preventing incomplete or altered transactions"),
               ("A.14.2.8", 0.4, "testing that processing works as specified")]),
    ("PI1.5", [("A.12.3.1", 0.5, "keeping complete copies of stored data"),
               ("A.18.1.3", 0.5, "protecting stored records from loss or alteration")]),
    ("P1.1", [("A.18.1.4", 0.5, "meeting privacy obligations toward data subjects")]),
    ("P2.1", [("A.18.1.4", 0.5, "meeting consent obligations for personal data")]),
    ("P3.1", [("A.18.1.4", 0.5, "limiting collection of personal data as law requires")]),
    ("P3.2", [("A.18.1.4", 0.5, "explicit consent where privacy law requires it")]),
    ("P4.1", [("A.18.1.4", 0.5, "using personal data only as permitted")]),
    ("P4.2", [("A.18.1.4", 0.5, "retaining personal data only as permitted"),
              ("A.18.1.3", 0.5, "retention of records")]),
    ("P4.3", [("A.18.1.4", 0.5, "disposing of personal data as required"),
              ("A.8.3.2", 0.5, "secure disposal of media"),
              ("A.11.2.7", 0.5, "erasing data from equipment")]),
    ("P5.1", [("A.18.1.4", 0.5, "data subjects' rights of access")]),
    ("P5.2", [("A.18.1.4", 0.5, "data subjects' rights of correction")]),
    ("P6.1", [("A.18.1.4", 0.5, "conditions for disclosing personal data"),
              ("A.13.2.2", 0.4, "agreements governing transfer of data to other parties")]),
    ("P6.2", [("A.18.1.4", 0.5, "keeping records of disclosures")]),
    ("P6.3", [("A.18.1.4", 0.5, "recording unauthorised disclosures"),
              ("A.16.1.2", 0.4, "reporting security events such as leaks")]),
    ("P6.4", [("A.15.1.2", 0.6, "privacy and security commitments in vendor agreements")]),
    ("P6.5", [("A.15.1.2", 0.5, "vendors' duty to report incidents"),
              ("A.16.1.2", 0.4, "reporting of security events")]),
    ("P6.6", [("A.16.1.5", 0.5, "responding to breaches, including notification"),
              ("A.6.1.3", 0.4, "notifying authorities where required")]),
    ("P6.7", [("A.18.1.4", 0.5, "accounting for personal data on request")]),
    ("P7.1", [("A.18.1.4", 0.5, "keeping personal data accurate as privacy law requires")]),
    ("P8.1", [("A.18.1.4", 0.5, "handling privacy complaints and disputes"),
              ("A.18.2.2", 0.4, "monitoring compliance with privacy policies")]),
]

# The TSC categories whose every criterion must map to at least one Annex A control.
SOC2_MUST_COVER = ("CC", "A", "C")


# ---------------------------------------------------------------------------------------------
# Helpers

def natkey(s):
    """Sort key that orders numbered ids naturally (A.5.2 < A.5.10, CC1.2 < CC10.1)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", s))


def reverse_rel(rel):
    return {"subset-of": "superset-of", "superset-of": "subset-of"}.get(rel, rel)


def compose(rels):
    """Relationship of the first source to the last target along a chain of relationships."""
    rels = list(rels)
    if not rels:
        raise ValueError("compose: empty chain")
    if "no-relationship" in rels:
        return "no-relationship"
    if all(r == "equal-to" for r in rels):
        return "equal-to"
    same = {"equal-to", "equivalent-to"}
    if all(r in same for r in rels):
        return "equivalent-to"
    if all(r in same | {"subset-of"} for r in rels):
        return "subset-of"
    if all(r in same | {"superset-of"} for r in rels):
        return "superset-of"
    return "intersects-with"


def item_index(catalog):
    return OrderedDict((it["id"], it) for it in catalog["items"])


def _title(en, ja):
    return OrderedDict([("ja", ja), ("en", en)])


def row(source, target, relationship, rationale, method, confidence, via=()):
    return OrderedDict([
        ("source", source), ("target", target), ("relationship", relationship),
        ("rationale", rationale), ("method", method), ("confidence", confidence),
        ("via", list(via)),
    ])


def sort_rows(rows):
    return sorted(rows, key=lambda r: (natkey(r["source"]), natkey(r["target"])))


def best_rows(rows):
    """One row per (source, target): the highest confidence, then the first chain in natural order.
    The kept rationale notes how many other chains lead to the same pair."""
    groups = OrderedDict()
    for r in rows:
        groups.setdefault((r["source"], r["target"]), []).append(r)
    out = []
    for (_s, _t), rs in groups.items():
        rs.sort(key=lambda r: (-r["confidence"], [natkey(v) for v in r["via"]]))
        keep = OrderedDict(rs[0])
        others = sorted({" -> ".join(r["via"]) for r in rs[1:]} - {" -> ".join(keep["via"])},
                        key=natkey)
        if others:
            keep["rationale"] += (" Also reached via " + "; ".join(others) + ".")
        out.append(keep)
    return out


def validate(xw, src_cat, tgt_cat):
    """Checks a crosswalk against its catalogs; raises CrosswalkError listing every problem."""
    src_ids = set(item_index(src_cat))
    tgt_ids = set(item_index(tgt_cat))
    problems = []
    if xw["source_catalog"] != src_cat["id"] or xw["target_catalog"] != tgt_cat["id"]:
        problems.append("catalog ids do not match")
    seen = set()
    for r in xw["maps"]:
        key = (r["source"], r["target"])
        if r["source"] not in src_ids:
            problems.append(f"source {r['source']} not in {src_cat['id']}")
        if r["target"] not in tgt_ids:
            problems.append(f"target {r['target']} not in {tgt_cat['id']}")
        if r["relationship"] not in RELATIONSHIPS:
            problems.append(f"{key}: relationship {r['relationship']}")
        if r["method"] not in METHODS:
            problems.append(f"{key}: method {r['method']}")
        if not r.get("rationale"):
            problems.append(f"{key}: no rationale")
        if not (isinstance(r["confidence"], (int, float)) and 0 < r["confidence"] <= 1):
            problems.append(f"{key}: confidence {r['confidence']}")
        if r["method"] == "hybrid" and not r["via"]:
            problems.append(f"{key}: hybrid row without via")
        for v in r["via"]:
            if ":" not in v:
                problems.append(f"{key}: via {v} is not catalog:item")
        if key in seen:
            problems.append(f"{key}: duplicate row")
        seen.add(key)
    if xw["maps"] != sort_rows(xw["maps"]):
        problems.append("rows not sorted")
    if problems:
        raise CrosswalkError(f"crosswalks: {xw['id']}: " + "; ".join(problems[:20])
                             + (f" (+{len(problems) - 20} more)" if len(problems) > 20 else ""))
    return xw


def crosswalk(xid, title, src_cat, tgt_cat, method, provenance, rows):
    xw = OrderedDict([
        ("format", 1), ("kind", "crosswalk"), ("id", xid), ("title", title),
        ("source_catalog", src_cat["id"]), ("target_catalog", tgt_cat["id"]),
        ("method", method), ("provenance", provenance), ("maps", sort_rows(rows)),
    ])
    return validate(xw, src_cat, tgt_cat)


def _ancestor_with(items, it, pred):
    """The nearest ancestor of `it` (not `it` itself) that satisfies pred, or None."""
    p = it.get("parent")
    while p is not None:
        anc = items.get(p)
        if anc is None:
            return None
        if pred(anc):
            return anc
        p = anc.get("parent")
    return None


def _prop(it, name):
    return (it.get("props") or {}).get(name)


def _as_list(v):
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return list(v)


# ---------------------------------------------------------------------------------------------
# xw-iso27001-2013-2022

def parse_2013_2022(table=XW_2013_2022):
    """Returns [(src, [(target, relationship or None)], note)] from the table text."""
    out = []
    for line in table.strip().split("\n"):
        src, targets, note = (p.strip() for p in line.split("|"))
        tl = []
        for t in targets.split():
            tid, _, rel = t.partition("=")
            tl.append((tid, rel or None))
        out.append((src, tl, note))
    return out


def rows_2013_2022(iso13, iso22, table=XW_2013_2022):
    i13, i22 = item_index(iso13), item_index(iso22)
    parsed = parse_2013_2022(table)
    sources_of = OrderedDict()
    for src, tl, _note in parsed:
        for tid, _rel in tl:
            sources_of.setdefault(tid, []).append(src)
    rows = []
    problems = []
    for src, tl, note in parsed:
        if src not in i13 or i13[src]["class"] != "control":
            problems.append(f"{src} is not a 2013 Annex A control")
        for tid, rel in tl:
            if tid not in i22 or i22[tid]["class"] != "control":
                problems.append(f"{src} -> {tid}: no such 2022 control")
                continue
            merged = [s for s in sources_of[tid] if s != src]
            if rel is None:
                rel = "subset-of" if merged else "equivalent-to"
            all_src = ", ".join(sorted([src] + merged, key=natkey))
            if rel == "equivalent-to":
                why = (f"ISO/IEC 27002:2022 Annex B pairs 2013 {src} with 2022 {tid}, which has no "
                       f"other 2013 source; {note}.")
            elif rel == "subset-of" and merged:
                why = (f"2022 {tid} combines 2013 {all_src} (ISO/IEC 27002:2022 Annex B); {src} "
                       f"is one part of it: {note}.")
            elif rel == "intersects-with":
                why = (f"ISO/IEC 27002:2022 Annex B lists 2013 {src} among the sources of 2022 "
                       f"{tid} ({all_src}), but only part of {src} overlaps it: {note}.")
            else:
                why = f"ISO/IEC 27002:2022 Annex B pairs 2013 {src} with 2022 {tid}; {note}."
            rows.append(row(src, tid, rel, why, "human", CONF_2013_2022[rel]))
    controls13 = [it["id"] for it in iso13["items"] if it["class"] == "control"]
    mapped = {r["source"] for r in rows}
    missing = [c for c in controls13 if c not in mapped]
    if missing:
        problems.append(f"2013 controls without a 2022 target: {missing}")
    for it in iso22["items"]:
        if it["class"] != "control":
            continue
        new = bool(_prop(it, "new_in_2022"))
        has_src = it["id"] in sources_of
        if new and has_src:
            problems.append(f"{it['id']} is marked new in 2022 but has a 2013 source")
        if not new and not has_src:
            problems.append(f"{it['id']} is not marked new in 2022 but has no 2013 source")
    if len(parsed) != len({p[0] for p in parsed}):
        problems.append("a 2013 control is listed twice")
    if problems:
        raise CrosswalkError("crosswalks: xw-iso27001-2013-2022: " + "; ".join(problems))
    return rows


def build_2013_2022(iso13, iso22):
    return crosswalk(
        "xw-iso27001-2013-2022",
        _title("ISO/IEC 27001:2013 Annex A → ISO/IEC 27001:2022 Annex A",
               "ISO/IEC 27001:2013 附属書A → 2022年版 附属書A"),
        iso13, iso22, "human",
        "All 114 controls of the 2013 Annex A, each mapped to the 2022 control(s) that carry it, "
        "following the correspondence published in ISO/IEC 27002:2022 Annex B (Table B.2), "
        "re-expressed by the ismap-assess project. equivalent-to: one-to-one, requirement carried "
        "forward with reworded guidance; subset-of: the 2013 control was merged with others into a "
        "broader 2022 control, or its scope was widened; intersects-with: only part overlaps. The 11 "
        "controls new in 2022 have no 2013 source. Rationales are our own summaries.",
        rows_2013_2022(iso13, iso22))


# ---------------------------------------------------------------------------------------------
# xw-ismap-iso27001-2013

REF27001_RE = re.compile(r"\[\s*27001\s*[-‐－]\s*([^\[\]]*?)\s*\]")
CLAUSE_REF_RE = re.compile(r"^(\d+(?:\.\d+)*)(\.)?\s*(?:([a-z])\)?)?$")
CLAUSE_CLASSES = ("section", "clause", "subclause")


def management_refs(it):
    """The JIS Q 27001 reference an ISMAP management criterion prints, as a raw string, or None.
    Prefers props.jisq27001_2014; else a single [27001-...] in the title, else in the text (a text
    that holds several brackets is an explanatory legend, not a criterion, and yields None)."""
    raw = _prop(it, "jisq27001_2014")
    if raw:
        return raw.strip()
    for key in ("title", "text"):
        s = (it.get(key) or {}).get("ja") or ""
        found = REF27001_RE.findall(s)
        if len(found) == 1:
            return found[0].strip()
        if len(found) > 1:
            return None
    return None


def parse_clause_refs(raw, clause_ids):
    """Splits "5.3 / 5.1" or "6.1.2a) / 6.1.2b)" into [(clause id, lettered, as printed)].
    A number not in clause_ids is shortened until it is (6.1.2.1 -> 6.1.2); none found -> dropped."""
    out = []
    for part in raw.split("/"):
        part = part.strip()
        m = CLAUSE_REF_RE.match(part)
        if not m:
            continue
        num, trailing_dot, letter = m.group(1), m.group(2), m.group(3)
        while num not in clause_ids and "." in num:
            num = num.rsplit(".", 1)[0]
        if num not in clause_ids:
            continue
        out.append((num, bool(letter), part, bool(trailing_dot)))
    # One target once: "6.1.2a) / 6.1.2b)" is one row, still lettered (part of the clause).
    seen = OrderedDict()
    for num, lettered, printed, dot in out:
        if num in seen:
            prev = seen[num]
            seen[num] = (num, prev[1] and lettered, prev[2] + " / " + printed, prev[3] or dot)
        else:
            seen[num] = (num, lettered, printed, dot)
    return list(seen.values())


def rows_ismap_management(ismap, iso13):
    clause_ids = {it["id"] for it in iso13["items"] if it["class"] in CLAUSE_CLASSES}
    mgmt = [it for it in ismap["items"] if it["class"] == "management" and it["id"].startswith("4.")]
    has_child = {it["parent"] for it in mgmt if it.get("parent")}
    parsed = []
    for it in mgmt:
        raw = management_refs(it)
        if not raw:
            continue
        refs = parse_clause_refs(raw, clause_ids)
        if refs:
            parsed.append((it, raw, refs))
    # How many leaf criteria cite each clause (a clause shared by several leaves is split among them).
    leaf_cites = {}
    for it, _raw, refs in parsed:
        if it["id"] not in has_child:
            for num, *_ in refs:
                leaf_cites[num] = leaf_cites.get(num, 0) + 1
    rows = []
    for it, raw, refs in parsed:
        leaf = it["id"] not in has_child
        for num, lettered, printed, dot in refs:
            cited = f"ISMAP {it['id']} prints the reference [27001-{raw}] (JIS Q 27001:2014)"
            if dot:
                note = (f"; '{printed}' is printed truncated, so the row points at clause {num} "
                        "as a whole")
            else:
                note = ""
            if not leaf:
                rel, conf = "intersects-with", 0.8
                why = f"{cited}{note}; a heading that groups criteria overlapping clause {num}."
            elif len(refs) > 1:
                rel, conf = "intersects-with", 0.8
                why = f"{cited}{note}; the criterion spans several clauses and covers part of {num}."
            elif lettered:
                rel, conf = "subset-of", 0.9
                why = (f"{cited}; it restates the lettered item(s) {printed} of clause {num}, "
                       "not the whole clause.")
            elif leaf_cites.get(num, 0) > 1:
                rel, conf = "subset-of", 0.9
                why = (f"{cited}{note}; {leaf_cites[num]} criteria cite clause {num}, each "
                       "covering part of it.")
            elif dot:
                rel, conf = "intersects-with", 0.7
                why = f"{cited}{note}."
            else:
                rel, conf = "equivalent-to", 0.9
                why = (f"{cited}; it is the only criterion citing clause {num} and restates it with "
                       "ISMAP's implementation guidance.")
            rows.append(row(it["id"], num, rel, why, "automation", conf))
    return rows


def rows_ismap_annex_a(ismap, iso13):
    """Chapters, objectives and controls by their iso27002_2013 number; B details through the
    control above them."""
    items = item_index(ismap)
    i13 = item_index(iso13)
    rows, problems = [], []
    for it in ismap["items"]:
        if it["class"] in ("management", "governance"):
            continue
        num = _prop(it, "iso27002_2013")
        if it["class"] == "detail":
            ctl = _ancestor_with(items, it, lambda a: _prop(a, "iso27002_2013") and a["class"] == "control")
            if ctl is None:
                continue  # a detail under a .P control: cloud addition, see xw-ismap-iso27017
            tid = "A." + _prop(ctl, "iso27002_2013")
            if tid not in i13:
                problems.append(f"{it['id']}: parent {ctl['id']} -> {tid} not in Annex A")
                continue
            rows.append(row(it["id"], tid, "subset-of",
                            f"ISMAP detail {it['id']} is one of the detailed measures of control "
                            f"{ctl['id']}, which carries JIS Q 27002:2014 number "
                            f"{_prop(ctl, 'iso27002_2013')}.",
                            "automation", 0.95))
            continue
        if not num:
            continue  # .P items (props.iso27017) and anything without a 27002 number
        tid = "A." + num
        if tid not in i13:
            problems.append(f"{it['id']}: iso27002_2013 {num} -> {tid} not in Annex A")
            continue
        want = {"chapter": "domain", "objective": "objective", "control": "control"}.get(it["class"])
        if want and i13[tid]["class"] != want:
            problems.append(f"{it['id']} ({it['class']}) -> {tid} ({i13[tid]['class']})")
            continue
        rows.append(row(it["id"], tid, "equivalent-to",
                        f"ISMAP {it['id']} carries JIS Q 27002:2014 number {num} "
                        "(props.iso27002_2013); ISMAP's control criteria follow that numbering, "
                        "and Annex A of ISO/IEC 27001:2013 lists the same controls.",
                        "automation", 1.0))
    if problems:
        raise CrosswalkError("crosswalks: xw-ismap-iso27001-2013: " + "; ".join(problems))
    return rows


def build_ismap_iso13(ismap, iso13):
    return crosswalk(
        "xw-ismap-iso27001-2013",
        _title("ISMAP criteria → ISO/IEC 27001:2013", "ISMAP管理基準 → ISO/IEC 27001:2013"),
        ismap, iso13, "automation",
        "Control criteria: chapters, objectives and three-digit controls map to Annex A by their "
        "JIS Q 27002:2014 number (props.iso27002_2013), equivalent-to; four-digit B details map "
        "to the Annex A control of the control above them, subset-of. '.P' items have no 27002 "
        "number and appear in xw-ismap-iso27017 instead. Management criteria (4.x) map to the "
        "JIS Q 27001:2014 clause each one cites in its published [27001-...] reference "
        "(props.jisq27001_2014); criteria without such a reference (4.1-4.3 and 4.5.5.3) are left "
        "out rather than guessed. Governance criteria (3.x) follow ISO/IEC 27014 and are not mapped.",
        rows_ismap_annex_a(ismap, iso13) + rows_ismap_management(ismap, iso13))


# ---------------------------------------------------------------------------------------------
# xw-ismap-iso27017

def rows_ismap_cld(ismap, iso17):
    items = item_index(ismap)
    i17 = item_index(iso17)
    rows, problems = [], []
    for it in ismap["items"]:
        own = [v for v in _as_list(_prop(it, "iso27017")) if v]
        if own:
            for cld in own:
                if cld not in i17:
                    problems.append(f"{it['id']}: {cld} not in {iso17['id']}")
                    continue
                rel = "subset-of" if it["class"] == "detail" else "equivalent-to"
                rows.append(row(it["id"], cld, rel,
                                f"ISMAP {it['id']} is the cloud addition {cld} of JIS Q 27017 "
                                "(props.iso27017; the '.P' suffix marks these items).",
                                "automation", 1.0))
            continue
        if it["class"] == "detail":
            anc = _ancestor_with(items, it, lambda a: _as_list(_prop(a, "iso27017")))
            if anc is None:
                continue
            for cld in _as_list(_prop(anc, "iso27017")):
                if cld in i17:
                    rows.append(row(it["id"], cld, "subset-of",
                                    f"ISMAP detail {it['id']} is one of the detailed measures of "
                                    f"{anc['id']}, the cloud addition {cld}.",
                                    "automation", 0.95))
    if problems:
        raise CrosswalkError("crosswalks: xw-ismap-iso27017: " + "; ".join(problems))
    return rows


def build_ismap_iso17(ismap, iso17):
    return crosswalk(
        "xw-ismap-iso27017",
        _title("ISMAP criteria (.P) → ISO/IEC 27017 CLD", "ISMAP管理基準（.P）→ ISO/IEC 27017 CLD"),
        ismap, iso17, "automation",
        "ISMAP '.P' objectives and controls map to the CLD item named in props.iso27017 "
        "(equivalent-to); B details under them map to the same CLD item as subset-of. Cloud "
        "details under ordinary controls (e.g. 6.1.1.13.PB) are JIS Q 27017 guidance on a "
        "JIS Q 27002 control, not a CLD addition, and are mapped in xw-ismap-iso27001-2013.",
        rows_ismap_cld(ismap, iso17))


# ---------------------------------------------------------------------------------------------
# Reverse indexes used by the derived crosswalks

def ismap_controls_by_number(ismap):
    """JIS Q 27002:2014 number -> ISMAP control ids carrying it (three-digit controls only)."""
    out = {}
    for it in ismap["items"]:
        num = _prop(it, "iso27002_2013")
        if num and it["class"] == "control":
            out.setdefault(num, []).append(it["id"])
    return out


def reverse_index(xw):
    """target -> [row] for a crosswalk."""
    out = {}
    for r in xw["maps"]:
        out.setdefault(r["target"], []).append(r)
    return out


def _norm_ref(ref):
    ref = ref.strip().rstrip(".")
    ref = re.sub(r"^(A\.|JIS\s*Q\s*27002\s*|ISO/IEC\s*27002\s*)", "", ref, flags=re.I)
    return ref


# ---------------------------------------------------------------------------------------------
# xw-mic-ismap

MIC_CITE_CONF = 0.7  # a MIC item cites the 2022 control as related, not as equivalent
# Main audit items, and the model-specific items (3.10-3.14), which carry the same JIS column.
MIC_CLASSES = ("item", "profile-item")


def rows_mic_ismap(mic, iso22, xw1322, ismap):
    """MIC main items -> ISMAP controls through 2022 -> 2013 (reverse of xw1322) -> number.
    Returns (rows, unresolved) where unresolved lists 'item: ref' strings that name no 2022 control."""
    i22 = item_index(iso22)
    rev = reverse_index(xw1322)
    by_num = ismap_controls_by_number(ismap)
    rows, unresolved = [], []
    for it in mic["items"]:
        if it["class"] not in MIC_CLASSES:
            continue
        for ref in _as_list(_prop(it, "jis_q_27002_2022")):
            t22 = "A." + _norm_ref(ref)
            if t22 not in i22 or i22[t22]["class"] != "control":
                unresolved.append(f"{it['id']}: {ref}")
                continue
            for r in rev.get(t22, []):
                t13 = r["source"]
                for x in by_num.get(t13[2:], []):
                    rel = compose(["intersects-with", reverse_rel(r["relationship"]), "equivalent-to"])
                    conf = round(MIC_CITE_CONF * r["confidence"], 2)
                    why = (f"MIC item {it['id']} cites JIS Q 27002:2022 {ref}; 2022 {t22} carries "
                           f"2013 {t13} (2013 {r['relationship']} 2022 in xw-iso27001-2013-2022); "
                           f"ISMAP control {x} has the same JIS Q 27002:2014 number. The citation "
                           "marks a related control, so the pair overlaps rather than coincides.")
                    rows.append(row(it["id"], x, rel, why, "hybrid", conf,
                                    [f"{ISO22}:{t22}", f"{ISO13}:{t13}"]))
    return best_rows(rows), unresolved


def build_mic_ismap(mic, iso22, xw1322, ismap):
    rows, unresolved = rows_mic_ismap(mic, iso22, xw1322, ismap)
    reached = {r["source"] for r in rows}
    only_new = [it["id"] for it in mic["items"] if it["class"] in MIC_CLASSES
                and _as_list(_prop(it, "jis_q_27002_2022")) and it["id"] not in reached]
    prov = ("Derived: each MIC audit item's (main items and the model-specific items of 3.10-3.14) "
            "related JIS Q 27002:2022 numbers "
            "(props.jis_q_27002_2022) -> ISO/IEC 27001:2022 Annex A -> the 2013 controls that "
            "xw-iso27001-2013-2022 maps onto it -> the ISMAP control with that JIS Q 27002:2014 "
            "number. All rows are intersects-with (a MIC citation names a related control); one row "
            "per pair, the most confident chain kept in 'via'. Controls new in 2022 (e.g. 8.9, "
            "8.16) have no 2013 counterpart, so citations of them yield no row.")
    if only_new:
        prov += (" Items whose references yield no row: " + ", ".join(sorted(only_new, key=natkey))
                 + ".")
    if unresolved:
        prov += (" References that name no 2022 Annex A control were skipped: "
                 + ", ".join(sorted(unresolved, key=natkey)) + ".")
    return crosswalk(
        "xw-mic-ismap",
        _title("MIC audit items → ISMAP criteria (via JIS Q 27002:2022)",
               "MIC監査項目 → ISMAP管理基準（JIS Q 27002:2022経由）"),
        mic, ismap, "hybrid", prov, rows)


# ---------------------------------------------------------------------------------------------
# xw-mic-cloud-ismap

def rows_mic_cloud_ismap(mic, iso13, iso17, xw_ismap17, ismap):
    """MIC cloud add-on items -> ISMAP. A CLD reference goes through xw-ismap-iso27017 reversed
    (to the '.P' objective/control, not its details); a plain number is JIS Q 27017's use of the
    JIS Q 27002:2014 numbering and goes to the ISMAP control of that number. A plain number that
    is no Annex A control but is a CLD number (e.g. 6.3.1) is read as that CLD item."""
    i13, i17 = item_index(iso13), item_index(iso17)
    rev = reverse_index(xw_ismap17)
    by_num = ismap_controls_by_number(ismap)
    rows, unresolved = [], []
    for it in mic["items"]:
        if it["class"] != "cloud-item":
            continue
        for ref in _as_list(_prop(it, "jis_q_27017")):
            r0 = ref.strip().rstrip(".")
            cld = None
            prefixless = False
            if r0.upper().startswith("CLD."):
                cld = "CLD." + r0[4:]
            elif "A." + r0 not in i13 and "CLD." + r0 in i17:
                cld, prefixless = "CLD." + r0, True
            if cld is not None:
                if cld not in i17:
                    unresolved.append(f"{it['id']}: {ref}")
                    continue
                hits = [r for r in rev.get(cld, []) if r["relationship"] in ("equivalent-to", "equal-to")]
                for r in hits:
                    why = (f"MIC cloud item {it['id']} cites JIS Q 27017 {ref}"
                           + (" (printed without the CLD prefix; 27002:2014 has no such control)"
                              if prefixless else "")
                           + f"; ISMAP {r['source']} is that cloud addition (xw-ismap-iso27017).")
                    rows.append(row(it["id"], r["source"],
                                    compose(["intersects-with", reverse_rel(r["relationship"])]),
                                    why, "hybrid", 0.7, [f"{ISO17}:{cld}"]))
                continue
            a13 = "A." + r0
            if a13 not in i13 or i13[a13]["class"] != "control":
                unresolved.append(f"{it['id']}: {ref}")
                continue
            for x in by_num.get(r0, []):
                why = (f"MIC cloud item {it['id']} cites JIS Q 27017 {ref}; outside the CLD "
                       "additions JIS Q 27017 uses the JIS Q 27002:2014 numbering, and ISMAP "
                       f"control {x} has that number.")
                rows.append(row(it["id"], x, "intersects-with", why, "hybrid", 0.6,
                                [f"{ISO13}:{a13}"]))
    return best_rows(rows), unresolved


def build_mic_cloud_ismap(mic, iso13, iso17, xw_ismap17, ismap):
    rows, unresolved = rows_mic_cloud_ismap(mic, iso13, iso17, xw_ismap17, ismap)
    prov = ("Derived: each MIC cloud add-on item's JIS Q 27017 numbers (props.jis_q_27017). CLD "
            "numbers go through xw-ismap-iso27017 reversed to the ISMAP '.P' item; other numbers "
            "follow JIS Q 27002:2014 numbering and go to the ISMAP control of that number. All rows "
            "are intersects-with (the MIC item cites related controls).")
    if unresolved:
        prov += (" References that name neither a CLD item nor a 2013 Annex A control were "
                 "skipped: " + ", ".join(sorted(unresolved, key=natkey)) + ".")
    return crosswalk(
        "xw-mic-cloud-ismap",
        _title("MIC cloud add-on audit items → ISMAP criteria (via JIS Q 27017)",
               "MICクラウド追加監査項目 → ISMAP管理基準（JIS Q 27017経由）"),
        mic, ismap, "hybrid", prov, rows)


# ---------------------------------------------------------------------------------------------
# xw-soc2-iso27001-2013 and xw-soc2-ismap

def rows_soc2_iso(soc2, iso13, table=None):
    table = SOC2_ISO if table is None else table
    s_ids = item_index(soc2)
    i13 = item_index(iso13)
    rows, problems = [], []
    for crit, targets in table:
        if crit not in s_ids:
            problems.append(f"{crit} not in {soc2['id']}")
        for tid, conf, what in targets:
            if tid not in i13:
                problems.append(f"{crit} -> {tid} not in {iso13['id']}")
                continue
            kind = "Annex A control" if i13[tid]["class"] == "control" else "clause"
            rows.append(row(crit, tid, "intersects-with",
                            f"SOC 2 {crit} and ISO/IEC 27001:2013 {kind} {tid} both address "
                            f"{what}; the TSC criterion is broader in some respects and narrower "
                            "in others.", "human", conf))
    # Every CC, A and C criterion reaches at least one Annex A control.
    reached = {r["source"] for r in rows if i13.get(r["target"], {}).get("class") == "control"}
    for it in soc2["items"]:
        if it["class"] not in ("criterion", "additional-criterion"):
            continue
        prefix = it["id"].rstrip("0123456789.")
        if prefix in SOC2_MUST_COVER and it["id"] not in reached:
            problems.append(f"{it['id']} has no Annex A control")
    if problems:
        raise CrosswalkError("crosswalks: xw-soc2-iso27001-2013: " + "; ".join(problems))
    return rows


def build_soc2_iso13(soc2, iso13):
    return crosswalk(
        "xw-soc2-iso27001-2013",
        _title("SOC 2 Trust Services Criteria → ISO/IEC 27001:2013",
               "SOC 2 トラストサービス規準 → ISO/IEC 27001:2013"),
        soc2, iso13, "human",
        "Judged by the ismap-assess project from the criteria's subjects (our reading, not the "
        "AICPA's published mapping). Every common criterion and every availability and "
        "confidentiality criterion maps to at least one Annex A control; management-system "
        "criteria also map to 27001 clauses. Processing-integrity criteria map only where Annex A "
        "has a counterpart (PI1.2 and PI1.4 have none); privacy criteria map to A.18.1.4 and a "
        "few neighbours. All rows are intersects-with.",
        rows_soc2_iso(soc2, iso13))


def rows_soc2_ismap(xw_soc2_iso, xw_ismap_iso, iso13, ismap):
    i13 = item_index(iso13)
    by_num = ismap_controls_by_number(ismap)
    rev = reverse_index(xw_ismap_iso)
    rows = []
    for r in xw_soc2_iso["maps"]:
        t = r["target"]
        cls = i13[t]["class"]
        if cls == "control":
            for x in by_num.get(t[2:], []):
                rel = compose([r["relationship"], "equivalent-to"])
                rows.append(row(r["source"], x, rel,
                                f"SOC 2 {r['source']} overlaps ISO/IEC 27001:2013 {t} "
                                f"(xw-soc2-iso27001-2013); ISMAP control {x} has the same "
                                "JIS Q 27002:2014 number.",
                                "hybrid", round(r["confidence"] * 0.9, 2), [f"{ISO13}:{t}"]))
        elif cls in CLAUSE_CLASSES:
            for m in rev.get(t, []):
                if m["relationship"] not in ("equivalent-to", "equal-to", "subset-of"):
                    continue  # headings that only overlap the clause add nothing
                rel = compose([r["relationship"], reverse_rel(m["relationship"])])
                rows.append(row(r["source"], m["source"], rel,
                                f"SOC 2 {r['source']} overlaps ISO/IEC 27001:2013 clause {t} "
                                f"(xw-soc2-iso27001-2013); ISMAP management criterion "
                                f"{m['source']} cites that clause ({m['relationship']}).",
                                "hybrid", round(r["confidence"] * m["confidence"] * 0.9, 2),
                                [f"{ISO13}:{t}"]))
    return best_rows(rows)


def build_soc2_ismap(xw_soc2_iso, xw_ismap_iso, soc2, iso13, ismap):
    return crosswalk(
        "xw-soc2-ismap",
        _title("SOC 2 Trust Services Criteria → ISMAP criteria (via ISO/IEC 27001:2013)",
               "SOC 2 トラストサービス規準 → ISMAP管理基準（ISO/IEC 27001:2013経由）"),
        soc2, ismap, "hybrid",
        "Derived: xw-soc2-iso27001-2013, then Annex A controls to the ISMAP control of the same "
        "JIS Q 27002:2014 number, and 27001 clauses to the ISMAP management criteria that cite "
        "them (xw-ismap-iso27001-2013, equivalent-to or subset-of rows). Confidence is the "
        "product of the hops, reduced by 10% for the indirection.",
        rows_soc2_ismap(xw_soc2_iso, xw_ismap_iso, iso13, ismap))


# ---------------------------------------------------------------------------------------------

def _need(catalogs, cid):
    if cid not in catalogs:
        raise CrosswalkError(f"crosswalks: catalog {cid} was not generated")
    return catalogs[cid]


def build(seeds_dir, catalogs, require=True):
    """Returns {crosswalk id: crosswalk}. With require=False, crosswalks whose input catalogs are
    absent are skipped (for partial development runs); the generator uses the default."""
    del seeds_dir
    out = OrderedDict()
    iso13, iso22 = _need(catalogs, ISO13), _need(catalogs, ISO22)
    iso17, soc2 = _need(catalogs, ISO17), _need(catalogs, SOC2)
    xw1322 = build_2013_2022(iso13, iso22)
    out[xw1322["id"]] = xw1322
    xw_soc2 = build_soc2_iso13(soc2, iso13)
    out[xw_soc2["id"]] = xw_soc2
    if ISMAP not in catalogs and not require:
        return OrderedDict(sorted(out.items()))
    ismap = _need(catalogs, ISMAP)
    xw_i13 = build_ismap_iso13(ismap, iso13)
    out[xw_i13["id"]] = xw_i13
    xw_i17 = build_ismap_iso17(ismap, iso17)
    out[xw_i17["id"]] = xw_i17
    xw = build_soc2_ismap(xw_soc2, xw_i13, soc2, iso13, ismap)
    out[xw["id"]] = xw
    if MIC not in catalogs and not require:
        return OrderedDict(sorted(out.items()))
    mic = _need(catalogs, MIC)
    xw = build_mic_ismap(mic, iso22, xw1322, ismap)
    out[xw["id"]] = xw
    xw = build_mic_cloud_ismap(mic, iso13, iso17, xw_i17, ismap)
    out[xw["id"]] = xw
    return OrderedDict(sorted(out.items()))
